#!/usr/bin/env bash
# Refreshes the vendored Public Suffix List (MPL-2.0, https://publicsuffix.org) that the API uses to
# refuse wildcard origins such as https://*.co.uk or https://*.ngrok-free.app, and says how old the
# copy in the repository is.
#
# Source: the npm registry's package tldts (MIT), which carries the list's rules and is released
# when the list changes; publicsuffix.org itself is not reachable from the project's machines, and
# no registry they reach carries the list's own text. scripts/psl-from-tldts.mjs writes the rules,
# by section, in the list's format (the list's comments are not kept).
#
#   scripts/refresh-psl.sh --check   only say how old the vendored copy is, and the newest tldts
#   scripts/refresh-psl.sh           refresh it (needs node and npm)
#
# Run by a person, never by the build or CI (the repository is self-contained). Afterwards: review
# `git diff --stat`, run
#   dotnet test tests/EdgeAllowlist.Api.Tests --filter "FullyQualifiedName~Origins|FullyQualifiedName~PublicSuffix"
# and commit the new list with its date in the message.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/src/EdgeAllowlist.Rules/Origins/PublicSuffix/public_suffix_list.dat"

vendored="$(sed -n 's#^// List-Date: ##p' "$target" | head -n 1)"
if [[ -z "$vendored" ]]; then
  echo "refresh-psl: the vendored list has no '// List-Date:' line; its age is unknown" >&2
else
  age=$(( ($(date -u +%s) - $(date -u -d "$vendored" +%s)) / 86400 ))
  echo "refresh-psl: the vendored list is of $vendored, $age days old ($(sed -n 's#^// Source: ##p' "$target" | head -n 1))"
fi

latest="$(npm view tldts version)"
published="$(npm view tldts time --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$latest")"
echo "refresh-psl: the newest tldts is $latest, published $published"
[[ "${1:-}" == "--check" ]] && exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "tldts@$latest" >/dev/null && mkdir package && tar -xzf tldts-*.tgz)
node "$root/scripts/psl-from-tldts.mjs" "$work/package" "$latest" "$published" > "$work/public_suffix_list.dat"

# Anything but the list must not replace it: require both sections and their ends.
for marker in '===BEGIN ICANN DOMAINS===' '===END ICANN DOMAINS===' '===BEGIN PRIVATE DOMAINS===' '===END PRIVATE DOMAINS==='; do
  grep -qF "$marker" "$work/public_suffix_list.dat" || { echo "refresh-psl: the result has no '$marker'; nothing changed" >&2; exit 1; }
done

mv "$work/public_suffix_list.dat" "$target"
echo "refresh-psl: $target now has $(grep -cvE '^(//|[[:space:]]*$)' "$target") rules, list of ${published:0:10}"
