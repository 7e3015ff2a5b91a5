// The cost bound of issue 18: every User-Agent shard filled to capacity with the most expensive rules
// the API accepts (16 allow and 16 deny rules of up to 200 characters, 4 '*' each, packed into 8
// shards of at most 1,024 bytes), and adversarial User-Agents of 8 KB (one value, and two values), on a request without
// Origin (so every deny and every allow rule is evaluated and 9 keys are read). The worst decision
// must take at most BOUND_MS and at most RATIO times an allowed-origin decision of the same run.
// Run it under an interpreter like CloudFront's: node --jitless --experimental-vm-modules edge-cost-bound.mjs [<allowlist.js>]
// (npm run edge-cost-bound); without --jitless it reports the JIT figures and checks nothing.
// Figures are CPU microseconds of this process (fastest round), so they vary by machine: compare ratios.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFunction, caseStore } from "./edge-host.mjs";

const BOUND_MS = 1;
const RATIO = 25;
const RUNS = Number(process.env.EDGE_BENCH_RUNS || 200);
const ROUNDS = Number(process.env.EDGE_BENCH_ROUNDS || 5);
const jitless = process.execArgv.includes("--jitless");
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const file = process.argv[2] || path.join(root, "function", "allowlist.js");
const fixture = JSON.parse(fs.readFileSync(path.join(root, "function", "events", "_kvs.json"), "utf8"));

// Rule families, each a glob of 5 parts (the API's 4 '*': 64 rules are the 320 parts the function allows), filled up to one 1,024-byte shard per
// 8 rules (4 allow, 4 deny). Parts chosen to make indexOf work hardest on the attack strings below:
// near misses at every position, with the distinguishing character first or last.
const PART = 46;
const families = {
  "near miss, last char": (i) => `*${"a".repeat(PART)}${"bcdefghijklmnopqrstuvwxyz"[i % 25]}*${"a".repeat(PART)}b*${"a".repeat(PART)}b*${"a".repeat(PART)}b`,
  "near miss, first char": (i) => `*${"bcdefghijklmnopqrstuvwxyz"[i % 25]}${"a".repeat(PART)}*b${"a".repeat(PART)}*b${"a".repeat(PART)}*b${"a".repeat(PART)}`,
  "found, then missing": (i) => `*${"a".repeat(PART)}*${"a".repeat(PART)}*${"a".repeat(PART)}*${"ab ".repeat(PART / 3)}${i}`,
  "prefix and suffix held": (i) => `a*${"a".repeat(PART)}*${"a ".repeat(PART / 2)}${i}*${"a".repeat(PART)}*a${i}`,
  "many short parts": (i) => `*${"xyzw"[i % 4]}*a*${"qk"[i % 2]}*b${i}`,
  "periodic near miss": (i) => `*c${"a".repeat(PART)}*c${"a".repeat(PART)}d*c${"a".repeat(PART)}*${i}`,
};
function store(rule) {
  const shards = [];
  for (let n = 0; n < 8; n++) {
    const value = JSON.stringify({ allow: [0, 1].map((k) => rule(n * 4 + k).slice(0, 200)), deny: [2, 3].map((k) => rule(n * 4 + k).slice(0, 200)) });
    if (Buffer.byteLength(value) > 1024) throw new Error(`shard of ${Buffer.byteLength(value)} bytes`);
    shards.push({ key: "ua:" + n, value });
  }
  const cfg = { key: "cfg", value: JSON.stringify({ v: 2, mode: "enforce", noOrigin: "ua", public: ["/healthz"], marker: "_p", ua: 8, wild: 2, reason: true }) };
  return caseStore(fixture, { put: [cfg, ...shards] });
}
const attacks = {
  "a x 8192": "a".repeat(8192),
  "a x 8192 then b": "a".repeat(8191) + "b",
  "'a ' x 4096": "a ".repeat(4096),
  "ab x 4096": "ab".repeat(4096),
  "c + a x 46, repeated": ("c" + "a".repeat(46)).repeat(175),
};
const event = (headers) => JSON.stringify({ version: "1.0", context: { eventType: "viewer-request" }, viewer: { ip: "198.51.100.11" },
  request: { method: "GET", uri: "/v1/master/a.m3u8", querystring: {}, headers, cookies: {} } });
const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

const run = await loadFunction(fs.readFileSync(file, "utf8"));
async function perDecision(eventJson, kvs) {
  let best = Infinity;
  let outcome;
  for (let round = 0; round < ROUNDS; round++) {
    const parsed = Array.from({ length: RUNS }, () => run.parse(eventJson));
    for (let i = 0; i < 5; i++) await run.decide(run.parse(eventJson), kvs);
    const before = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) outcome = await run.decide(parsed[i], kvs);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / RUNS);
  }
  return { us: Math.round(best * 100) / 100, reads: outcome.reads, verdict: outcome.returned.statusCode ? outcome.returned.headers["x-allowlist-reason"].value : "pass" };
}

const allowed = await perDecision(event({ origin: { value: "https://www.example.com" }, "user-agent": { value: chrome } }), caseStore(fixture));
const cases = [];
for (const [family, rule] of Object.entries(families)) {
  const kvs = store(rule);
  for (const [attack, ua] of Object.entries(attacks)) {
    for (const values of [1, 2]) {
      const header = values === 1 ? { value: ua } : { value: ua, multiValue: [{ value: ua }, { value: ua }] };
      cases.push({ family, attack, values, ...(await perDecision(event({ "user-agent": header }), kvs)) });
    }
  }
}
const worst = cases.reduce((a, b) => (b.us > a.us ? b : a));
const ratio = Math.round((worst.us / allowed.us) * 10) / 10;
const ok = worst.us <= BOUND_MS * 1000 && ratio <= RATIO;
console.log(JSON.stringify({ engine: jitless ? "node --jitless" : "node (JIT)", file: path.relative(root, file), runs: RUNS, rounds: ROUNDS,
  allowedOrigin: allowed, worst, worstToAllowed: ratio, bound: { ms: BOUND_MS, ratio: RATIO, checked: jitless, holds: ok }, cases }, null, 2));
if (jitless && !ok) process.exit(1);
