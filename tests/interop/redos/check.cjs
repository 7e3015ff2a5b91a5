// Runs User-Agent shard sources the API stored under V8 (a backtracking engine, like CloudFront's)
// against generated 8 KB attack strings and reports, as counts, whether every match finished
// within the bound. Input: a JSON file of [{ "pattern": admin's regex, "source": shard member }].
// Output (stdout): one JSON verdict. Run by tests/EdgeAllowlist.Api.Tests/UserAgents/ReDoSCorpusTests.cs;
// by hand: node check.cjs <input.json>.
'use strict';
const fs = require('fs');
const vm = require('vm');
const { performance } = require('perf_hooks');

const LENGTH = 8192; // the longest User-Agent the edge has to match in bounded time
const BOUND_MS = 5; // per match
const REMEASURE = 5; // a slow first run is timed again, best of five, so machine load is not a verdict
const PATTERN_BUDGET_MS = 20000; // a catastrophic pattern never finishes; stop it and count it failed

// Characters a class escape or '.' can stand for, a few of each.
const CLASS_SAMPLES = { d: '09', D: 'a!', w: 'aZ0_', W: '! ', s: ' \t\u00a0', S: 'a!' };
const COMMON = ' a0/.;()-_';
const SUFFIXES = ['\u0001', '!'];

/** The characters and literal runs a pattern names, read loosely: this feeds attacks, it decides nothing. */
function vocabulary(text) {
  const chars = [];
  const runs = [];
  let run = '';
  const endRun = () => { if (run) runs.push(run); run = ''; };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      const e = text[++i];
      if (CLASS_SAMPLES[e]) { chars.push(...CLASS_SAMPLES[e]); endRun(); continue; }
      let literal = e;
      if (e === 'x' && /^[0-9a-f]{2}$/i.test(text.substr(i + 1, 2))) { literal = String.fromCharCode(parseInt(text.substr(i + 1, 2), 16)); i += 2; }
      else if (e === 'u' && /^[0-9a-f]{4}$/i.test(text.substr(i + 1, 4))) { literal = String.fromCharCode(parseInt(text.substr(i + 1, 4), 16)); i += 4; }
      else if (e === 't') literal = '\t';
      else if (e === 'b' || e === 'B') { endRun(); continue; }
      chars.push(literal);
      run += literal;
      continue;
    }
    if (c === '[') {
      endRun();
      let j = i + 1;
      const negated = text[j] === '^';
      if (negated) { chars.push(...'a!0 '); j++; }
      for (; j < text.length && text[j] !== ']'; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const e = text[++j];
          chars.push(...(CLASS_SAMPLES[e] || e));
        } else if (text[j + 1] === '-' && j + 2 < text.length && text[j + 2] !== ']') {
          const lo = text.charCodeAt(j), hi = text.charCodeAt(j + 2);
          chars.push(String.fromCharCode(lo), String.fromCharCode(hi), String.fromCharCode((lo + hi) >> 1));
          j += 2;
        } else chars.push(text[j]);
      }
      i = j;
      continue;
    }
    if (c === '.') { chars.push('a', ' '); endRun(); continue; }
    if ('^$|?*+(){}'.includes(c)) { endRun(); continue; }
    chars.push(c);
    run += c;
  }
  endRun();
  const alphabet = [...new Set([...chars, ...COMMON])].slice(0, 48);
  return { alphabet, runs: [...new Set(runs)].slice(0, 16) };
}

const fill = (unit, suffix) => {
  if (!unit) return null;
  const body = unit.repeat(Math.ceil(LENGTH / unit.length)).slice(0, LENGTH - suffix.length);
  return body + suffix;
};

/** 8 KB strings built to make a backtracking matcher try every way to split its input, each ending in a character that fails. */
function attackStrings(text) {
  const { alphabet, runs } = vocabulary(text);
  const out = new Set();
  const add = s => { if (s !== null && s.length === LENGTH) out.add(s); };
  for (const suffix of SUFFIXES) {
    for (const c of alphabet) add(fill(c, suffix));                          // runs of one character
    for (const r of runs) add(fill(r, suffix));                              // the pattern's own text, pumped
    for (const a of alphabet.slice(0, 12)) for (const b of alphabet.slice(0, 12)) if (a !== b) add(fill(a + b, suffix));
    for (const r of runs) for (const c of [' ', 'a', '0', '/', ...alphabet.slice(0, 8)]) add(fill(r + c, suffix));
    for (const r of runs.slice(0, 8)) for (const c of alphabet.slice(0, 24)) add(r + fill(c, suffix).slice(r.length)); // a prefix, then a long run
    for (const a of runs.slice(0, 8)) for (const b of runs.slice(0, 8)) if (a !== b) add(fill(a + b, suffix));
    add(fill(alphabet.join(''), suffix));                                    // every named character in turn
    add(fill(runs.join(''), suffix));
  }
  for (const ws of [' ', '\t', ' \t', '\u00a0 ']) for (const suffix of ['x', '\u0001', 'a']) add(fill(ws, suffix)); // long whitespace
  return [...out];
}

// The timing loop runs inside a context with a timeout, so an accepted catastrophic pattern is stopped and reported instead of hanging the suite.
const measure = new vm.Script(`
  (() => {
    let max = 0, worst = -1, matches = 0;
    for (let k = 0; k < inputs.length; k++) {
      let best = Infinity;
      for (let attempt = 0; attempt < REMEASURE && best > BOUND_MS / 5; attempt++) {
        const t0 = now();
        re.test(inputs[k]);
        best = Math.min(best, now() - t0);
        matches++;
      }
      if (best > max) { max = best; worst = k; }
      if (best >= BOUND_MS) break; // one slow match decides; the rest would only take longer
    }
    return { max, worst, matches };
  })()`);

function check(entry) {
  const re = new RegExp(entry.source, 'i');
  const inputs = attackStrings(entry.pattern + '\u0000' + entry.source);
  const context = vm.createContext({ re, inputs, now: () => performance.now(), REMEASURE, BOUND_MS });
  try {
    const { max, worst, matches } = measure.runInContext(context, { timeout: PATTERN_BUDGET_MS });
    return { strings: inputs.length, matches, maxMs: max, worstInput: describe(inputs[worst] || '') };
  } catch (e) {
    return { strings: inputs.length, matches: 0, maxMs: Infinity, worstInput: `did not finish within ${PATTERN_BUDGET_MS} ms: ${e.message}` };
  }
}

/** Short inputs both forms must decide alike: the compiled source must mean what the admin wrote. */
function agreement(entry) {
  if (entry.pattern === entry.source) return [];
  const original = new RegExp(entry.pattern, 'i');
  const compiled = new RegExp(entry.source, 'i');
  const { alphabet, runs } = vocabulary(entry.pattern);
  const pieces = [...runs, ...alphabet.slice(0, 8), ''];
  const disagreements = [];
  for (const a of pieces) for (const b of pieces) for (const sep of ['', ' ', 'x/1 ']) {
    for (const s of [a + sep + b, sep + a + b + sep, b + sep + a, a + a + sep + b + b]) {
      if (original.test(s) !== compiled.test(s)) disagreements.push(s);
    }
  }
  return disagreements;
}

const describe = s => {
  const head = s.slice(0, 24), tail = s.slice(-4);
  return `${JSON.stringify(head)}…${JSON.stringify(tail)} (${s.length} chars)`;
};

const entries = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const verdict = { checked: 0, strings: 0, matches: 0, boundMs: BOUND_MS, length: LENGTH, maxMs: 0, slowest: null, failures: [], disagreements: [] };
for (const entry of entries) {
  const result = check(entry);
  verdict.checked++;
  verdict.strings += result.strings;
  verdict.matches += result.matches;
  if (result.maxMs > verdict.maxMs) {
    verdict.maxMs = result.maxMs;
    verdict.slowest = { pattern: entry.pattern, input: result.worstInput };
  }
  if (!(result.maxMs < BOUND_MS)) verdict.failures.push({ pattern: entry.pattern, source: entry.source, ms: result.maxMs, input: result.worstInput });
  for (const s of agreement(entry)) verdict.disagreements.push({ pattern: entry.pattern, input: s });
}
verdict.maxMs = Math.round(verdict.maxMs * 1000) / 1000;
process.stdout.write(JSON.stringify(verdict, null, 1) + '\n');
