#!/usr/bin/env bash
# Refreshes the vendored Mozilla Public Suffix List (MPL-2.0, https://publicsuffix.org) that the API
# uses to refuse wildcard origins such as https://*.co.uk or https://*.github.io.
# Run by a person, on a machine with internet access; never by the build or CI (the repository is
# self-contained). Afterwards: review `git diff --stat`, run
#   dotnet test tests/EdgeAllowlist.Api.Tests --filter "FullyQualifiedName~Origins"
# and commit the new list with the date in the message.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/src/EdgeAllowlist.Api/Features/Origins/PublicSuffix/public_suffix_list.dat"
download="$(mktemp)"
trap 'rm -f "$download"' EXIT

curl --fail --silent --show-error --location --proto '=https' --max-time 60 \
  -o "$download" https://publicsuffix.org/list/public_suffix_list.dat

# A captive portal or an error page must not replace the list: require both sections and their ends.
for marker in '===BEGIN ICANN DOMAINS===' '===END ICANN DOMAINS===' '===BEGIN PRIVATE DOMAINS===' '===END PRIVATE DOMAINS==='; do
  grep -qF "$marker" "$download" || { echo "refresh-psl: the download has no '$marker'; not the Public Suffix List, nothing changed" >&2; exit 1; }
done

mv "$download" "$target"
trap - EXIT
echo "refresh-psl: $target now has $(grep -cvE '^(//|[[:space:]]*$)' "$target") rules"
