// Writes the Public Suffix List's rules, by section, from the trie that the npm package tldts
// (MIT) carries: the registries these machines reach carry no package with the list's own text,
// and tldts follows the list closely (a release for each change). Called by refresh-psl.sh:
//   node psl-from-tldts.mjs <unpacked tldts package> <version> <published ISO time>  > public_suffix_list.dat
// The rules are the list's data (MPL-2.0); comments, order and the list's own notes are not kept.
import { createRequire } from 'node:module';
import path from 'node:path';

const [folder, version, published] = process.argv.slice(2);
const trie = createRequire(import.meta.url)(path.resolve(folder, 'dist/cjs/src/data/trie.js'));
const { nodeFlags, edgeStart, edgeLength, edgeChild, labelText, rulesRoot, exceptionsRoot } = trie;

const offsets = new Uint32Array(edgeLength.length);
for (let e = 0, at = 0; e < edgeLength.length; e++) { offsets[e] = at; at += edgeLength[e]; }
const label = e => labelText.slice(offsets[e], offsets[e] + edgeLength[e]);

// Every path from the root to a node with a flag is a rule: 1 ICANN, 2 private. Labels run from the TLD down.
function rules(root, prefix) {
  const found = { 1: [], 2: [] };
  const walk = (node, labels, depth) => {
    if (depth > 16) throw new Error('psl-from-tldts: a path deeper than any rule; the trie format changed');
    for (let e = edgeStart[node]; e < edgeStart[node + 1]; e++) {
      const child = edgeChild[e];
      const next = [label(e), ...labels];
      for (const section of [1, 2]) if (nodeFlags[child] & section) found[section].push(prefix + next.join('.'));
      walk(child, next, depth + 1);
    }
  };
  walk(root, [], 0);
  return found;
}

const normal = rules(rulesRoot, '');
const exceptions = rules(exceptionsRoot, '!');
const section = s => [...new Set([...normal[s], ...exceptions[s]])].sort();
const icann = section(1);
const privateRules = section(2);
if (icann.length < 5000 || privateRules.length < 1000 || !icann.includes('co.uk') || !privateRules.includes('github.io'))
  throw new Error(`psl-from-tldts: ${icann.length} ICANN and ${privateRules.length} private rules; not the list this expects`);

const out = [
  '// This Source Code Form is subject to the terms of the Mozilla Public',
  '// License, v. 2.0. If a copy of the MPL was not distributed with this',
  '// file, You can obtain one at https://mozilla.org/MPL/2.0/.',
  '',
  '// The rules of the Public Suffix List (https://publicsuffix.org/list/), read by scripts/refresh-psl.sh',
  `// from the npm package tldts@${version}, which carries them; the list's comments are not kept.`,
  `// List-Date: ${published.slice(0, 10)}`,
  `// Source: npm tldts@${version}, published ${published}`,
  '',
  '// ===BEGIN ICANN DOMAINS===',
  ...icann,
  '// ===END ICANN DOMAINS===',
  '',
  '// ===BEGIN PRIVATE DOMAINS===',
  ...privateRules,
  '// ===END PRIVATE DOMAINS===',
  '',
];
process.stdout.write(out.join('\n'));
