// Runs the CloudFront Function file unmodified under Node (V8), the way tests/EdgeAllowlist.EdgeFunction
// runs it under Jint: as an ES module in its own realm, whose `cloudfront` import is a shim with a KVS
// held in a Map and whose `crypto` import is Node's. Needs node --experimental-vm-modules.
// Like the Jint host, the runtime appends one export line so the top-level handler can be called.
import vm from "node:vm";
import nodeCrypto from "node:crypto";

/** What kvs.get() throws for a missing key: { message, asError } (asError false: the message itself is thrown). */
export const OBSERVED_MISSING_KEY = { message: "KeyNotFound", asError: true };

export async function loadFunction(source, { missingKey = OBSERVED_MISSING_KEY, nowSeconds } = {}) {
  let run = null; // the store, reads and log lines of the run in progress
  const context = vm.createContext({ console: { log: (line) => run.logs.push(String(line)) } });
  const realm = vm.runInContext("({ Error, JSON, Date })", context);
  if (nowSeconds !== undefined) realm.Date.now = () => nowSeconds * 1000; // CloudFront's Date is the start of the run
  const handle = {
    async get(key, options) {
      run.reads++;
      const format = options && options.format !== undefined ? options.format : "string";
      if (!run.store.has(key)) throw missingKey.asError ? new realm.Error(missingKey.message) : missingKey.message;
      const value = run.store.get(key);
      return format === "json" ? realm.JSON.parse(value) : value;
    },
    async exists(key) {
      run.reads++;
      return run.store.has(key);
    },
    async meta() {
      run.reads++;
      return { keyCount: run.store.size };
    },
  };
  const synthetic = (name, value) => new vm.SyntheticModule(["default"], function () { this.setExport("default", value); }, { context, identifier: name });
  const modules = { cloudfront: synthetic("cloudfront", { kvs: () => handle }), crypto: synthetic("crypto", { createHash: nodeCrypto.createHash, createHmac: nodeCrypto.createHmac }) };
  const main = new vm.SourceTextModule(source + "\nexport { handler };\n", { context, identifier: "allowlist.js" });
  await main.link((specifier) => {
    if (!modules[specifier]) throw new Error("unknown module " + specifier);
    return modules[specifier];
  });
  await main.evaluate();
  const handler = main.namespace.handler;

  /** One run without conversions: event made by parse() (the function's realm), store a Map of key -> value string. */
  async function decide(event, store) {
    run = { store, reads: 0, logs: [] };
    return { returned: await handler(event), logs: run.logs, reads: run.reads };
  }

  /** One run: eventJson is the TestFunction event as text; output is shaped like TestFunction's FunctionOutput. */
  async function runEvent(eventJson, store) {
    const { returned, logs, reads } = await decide(realm.JSON.parse(eventJson), store);
    const output = returned && typeof returned === "object"
      ? ("statusCode" in returned ? { response: returned } : { request: returned })
      : null;
    return { output: JSON.parse(JSON.stringify(output)), logs, reads };
  }
  runEvent.decide = decide;
  runEvent.parse = (json) => realm.JSON.parse(json);
  return runEvent;
}

/** The store a case of function/events assumes: the fixture with the case's puts and deletes. */
export function caseStore(fixture, kvs) {
  const store = new Map(fixture.data.map((d) => [d.key, d.value]));
  for (const key of (kvs && kvs.delete) || []) store.delete(key);
  for (const put of (kvs && kvs.put) || []) store.set(put.key, put.value);
  return store;
}
