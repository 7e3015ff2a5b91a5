// CPU per decision of the function under Node (V8), for five requests against the store fixture
// function/events/_kvs.json: an exact allowed origin, a wildcard origin, an unknown origin, a partner
// request and a native player (no Origin, an allow rule).
// Usage: node --experimental-vm-modules edge-bench.mjs [<baseline allowlist.js>] [<other allowlist.js> ...]
// (npm run edge-bench -- <baseline> <other>; add --jitless to node for an interpreter like CloudFront's).
// Without files it measures function/allowlist.js alone.
// Each file is loaded once (a warm instance, as CloudFront may keep one) and run RUNS times per
// request and round after a warm-up; the first file is the baseline of the printed ratios. The figures are
// CPU microseconds of this process (process.cpuUsage), so they vary by machine; compare ratios.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFunction, caseStore } from "./edge-host.mjs";

const RUNS = Number(process.env.EDGE_BENCH_RUNS || 5000);
const ROUNDS = Number(process.env.EDGE_BENCH_ROUNDS || 10);
const events = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "function", "events");
// EDGE_BENCH_KVS names another store fixture, e.g. the one an older function file was written for.
const fixture = JSON.parse(fs.readFileSync(process.env.EDGE_BENCH_KVS || path.join(events, "_kvs.json"), "utf8"));
const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";
const request = (uri, headers) => JSON.stringify({ version: "1.0", context: { eventType: "viewer-request" }, viewer: { ip: "198.51.100.11" },
  request: { method: "GET", uri, querystring: {}, headers, cookies: {} } });
const scenarios = {
  "exact origin": request("/v1/master/a.m3u8", { origin: { value: "https://www.example.com" }, "user-agent": { value: chrome } }),
  "wildcard origin": request("/v1/master/a.m3u8", { origin: { value: "https://player.example.org" }, "user-agent": { value: chrome } }),
  "unknown origin": request("/v1/master/a.m3u8", { origin: { value: "https://attacker.example.net" }, "user-agent": { value: chrome } }),
  "partner request": request("/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/test/a.m3u8", { "user-agent": { value: "AWS Elemental MediaTailor" } }),
  "native player": request("/content/seg_1.ts", { "user-agent": { value: "AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)" } }),
};

const files = process.argv.length > 2 ? process.argv.slice(2) : [path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "function", "allowlist.js")];
const runs = {};
for (const file of files) runs[file] = await loadFunction(fs.readFileSync(file, "utf8"));
// Rounds alternate between the files, and each figure is the fastest round: other processes on a
// shared machine only ever add time, so the minimum is the figure least disturbed by them.
const results = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const file of files) {
    results[file] = results[file] || {};
    for (const [name, event] of Object.entries(scenarios)) {
      const store = caseStore(fixture);
      const run = runs[file];
      // Events are parsed before the clock starts (the function rewrites a partner URI in place).
      const parsed = Array.from({ length: RUNS }, () => run.parse(event));
      for (let i = 0; i < RUNS / 10; i++) await run.decide(run.parse(event), store);
      let reads = 0;
      const before = process.cpuUsage();
      for (let i = 0; i < RUNS; i++) reads = (await run.decide(parsed[i], store)).reads;
      const used = process.cpuUsage(before);
      const perDecision = (used.user + used.system) / RUNS;
      const best = results[file][name];
      if (!best || perDecision < best.microsecondsPerDecision) results[file][name] = { microsecondsPerDecision: perDecision, reads };
    }
  }
}
const baseline = results[files[0]];
for (const file of files) {
  for (const [name, r] of Object.entries(results[file])) {
    r.ratioToBaseline = Math.round((r.microsecondsPerDecision / baseline[name].microsecondsPerDecision) * 100) / 100;
    r.microsecondsPerDecision = Math.round(r.microsecondsPerDecision * 100) / 100;
  }
}
console.log(JSON.stringify({ runs: RUNS, rounds: ROUNDS, baseline: files[0], results }, null, 2));
