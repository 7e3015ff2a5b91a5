// The deployable function: function/allowlist.js minified by the terser pinned in package-lock.json,
// so the same source always gives the same bytes (function/dist/allowlist.js, committed and checked
// by EdgeAllowlist.EdgeFunction.Tests DistBuildTests). Options keep to what cloudfront-js-2.0 runs:
// ES2015 output (no optional chaining, spread or async arrows are ever introduced), the top-level
// handler kept by name, one import line per module.
// Usage: node build-function.mjs [<source> [<output>]]; without an output the build goes to stdout.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { minify } from "terser";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const [source = path.join(root, "function", "allowlist.js"), output] = process.argv.slice(2);

const result = await minify(fs.readFileSync(source, "utf8"), {
  module: true,
  ecma: 2015,
  compress: { ecma: 2015, passes: 2, reduce_funcs: false, top_retain: ["handler"], unsafe_arrows: false, arrows: false },
  mangle: { reserved: ["handler"] },
  format: { ecma: 2015, ascii_only: true, comments: false },
});
const code = result.code + "\n";
if (output) fs.writeFileSync(output, code);
else process.stdout.write(code);
