// Runs function/events/*.json and the attack corpus function/events/_attacks.json through the unmodified
// function file under Node, once per missing-key throw, and prints one JSON line per run:
// {name, missingKey, output, logs, reads}. EdgeAllowlist.EdgeFunction.Tests compares them with Jint.
// Usage: node --experimental-vm-modules edge-events.mjs <function folder> <now seconds> '<missing keys JSON array>' [<function file>]
// The function file defaults to the readable source <function folder>/allowlist.js; the deployed build is dist/allowlist.js.
import fs from "node:fs";
import path from "node:path";
import { loadFunction, caseStore, OBSERVED_MISSING_KEY } from "./edge-host.mjs";

const [folder = "../../function", now, missingKeysJson, file] = process.argv.slice(2);
const missingKeys = missingKeysJson ? JSON.parse(missingKeysJson) : [OBSERVED_MISSING_KEY];
const events = path.join(folder, "events");
const source = fs.readFileSync(file || path.join(folder, "allowlist.js"), "utf8");
const fixture = JSON.parse(fs.readFileSync(path.join(events, "_kvs.json"), "utf8"));
const cases = fs.readdirSync(events).filter((f) => f.endsWith(".json") && !f.startsWith("_")).sort()
  .map((f) => ({ name: path.basename(f, ".json"), ...JSON.parse(fs.readFileSync(path.join(events, f), "utf8")) }))
  .concat(JSON.parse(fs.readFileSync(path.join(events, "_attacks.json"), "utf8")).cases);

for (const missingKey of missingKeys) {
  const run = await loadFunction(source, { missingKey, nowSeconds: now === undefined ? undefined : Number(now) });
  for (const c of cases) {
    const outcome = await run(JSON.stringify(c.event), caseStore(fixture, c.kvs));
    process.stdout.write(JSON.stringify({ name: c.name, missingKey, ...outcome }) + "\n");
  }
}
