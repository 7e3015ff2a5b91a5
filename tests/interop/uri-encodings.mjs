// A generator of encodings of '.', '/' and '\' (decoded once, twice and three times, overlong UTF-8
// of every length, IIS %u, Unicode lookalikes raw and percent-encoded, whitespace and control
// characters, each with its hex digits in both cases), placed as a dot segment or a separator under
// the public path /healthz and under a manifests-scope secret, run through a function file under Node
// against the store fixture. Prints one JSON line per URI: {uri, output, logs, reads}.
// EdgeAllowlist.EdgeFunction.Tests UriEncodingTests runs the same URIs under Jint and requires the
// same outcome, and uri-ambiguous for every one (function/README.md §3, plain URI).
// Usage: node --experimental-vm-modules uri-encodings.mjs <allowlist.js> <now seconds>
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFunction, caseStore } from "./edge-host.mjs";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const [file = path.join(root, "function", "allowlist.js"), now] = process.argv.slice(2);
const fixture = JSON.parse(fs.readFileSync(path.join(root, "function", "events", "_kvs.json"), "utf8"));

const hex = (n) => n.toString(16).padStart(2, "0");
const pct = (bytes) => bytes.map((b) => "%" + hex(b)).join("");
const utf8 = (ch) => [...Buffer.from(ch, "utf8")];
// Every way the generator spells one character c (an ASCII code): percent-encoded once, twice and
// three times (whole and by nibble), overlong UTF-8 of 2, 3 and 4 bytes, and IIS %u.
function spellings(c) {
  const h = hex(c);
  return [
    "%" + h,
    "%25" + h, "%%3" + h[0] + "%3" + h[1], "%%3" + h[0] + h[1], "%" + h[0] + "%3" + h[1], "%25%3" + h[0] + "%3" + h[1],
    "%2525" + h, "%25%32%35" + h, "%%32%35" + h,
    pct([0xc0 | (c >> 6), 0x80 | (c & 0x3f)]), pct([0xe0, 0x80 | (c >> 6), 0x80 | (c & 0x3f)]), pct([0xf0, 0x80, 0x80 | (c >> 6), 0x80 | (c & 0x3f)]),
    pct([0xc1, 0x80 | (c & 0x3f)]),
    "%u00" + h, "%U00" + h,
  ];
}
const lookalikes = { ".": ["\uff0e", "\u2024", "\ufe52", "\u3002"], "/": ["\uff0f", "\u2215", "\u2044", "\u29f8"], "\\": ["\uff3c", "\u2216", "\ufe68"] };
const whitespace = [" ", "%20", "%09", "%0a", "%0d", "%0b", "%0c", "%00", "%a0", "%c2%a0", "%e3%80%80", "\t", "\u00a0", "%3b", ";", "%3B"];
// Case changes of every hex digit: each spelling as written, upper-cased and lower-cased.
const cased = (s) => [...new Set([s, s.replace(/%[0-9a-fA-F]{1,2}/g, (x) => x.toUpperCase()), s.replace(/%[0-9a-fA-F]{1,2}/g, (x) => x.toLowerCase())])];

const dots = new Set(), slashes = new Set();
for (const s of [...spellings(0x2e), ...lookalikes["."], ...lookalikes["."].map((l) => pct(utf8(l)))]) for (const v of cased(s)) dots.add(v);
for (const s of [...spellings(0x2f), ...spellings(0x5c), "\\", ...lookalikes["/"], ...lookalikes["\\"], ...[...lookalikes["/"], ...lookalikes["\\"]].map((l) => pct(utf8(l)))])
  for (const v of cased(s)) slashes.add(v);
const segments = new Set();
for (const d of dots) { segments.add(d + d); segments.add("." + d); segments.add(d + "."); segments.add(d); }
for (const w of whitespace) for (const v of cased(w)) { segments.add(".." + v); segments.add(v + ".."); segments.add("." + v + "."); segments.add(". " + v); }
segments.add(""); segments.add("."); segments.add(".."); segments.add("...");
const uris = [];
for (const prefix of ["/healthz/", "/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/"]) {
  for (const seg of segments) uris.push(prefix + seg + "/private/x.m3u8");
  for (const sep of slashes) { uris.push(prefix + ".." + sep + "private/x.m3u8"); uris.push(prefix + "a" + sep + ".." + sep + "x.m3u8"); }
}

const run = await loadFunction(fs.readFileSync(file, "utf8"), { nowSeconds: now === undefined ? undefined : Number(now) });
const event = (uri) => JSON.stringify({ version: "1.0", context: { eventType: "viewer-request" }, viewer: { ip: "198.51.100.11" },
  request: { method: "GET", uri, querystring: {}, headers: { "user-agent": { value: "curl/8.5.0" } }, cookies: {} } });
for (const uri of uris) process.stdout.write(JSON.stringify({ uri, ...(await run(event(uri), caseStore(fixture))) }) + "\n");
