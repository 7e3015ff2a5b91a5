import cf from 'cloudfront';
import crypto from 'crypto';

// Edge Allowlist: viewer-request, cloudfront-js-2.0. Fixed code; every rule is a key in the
// associated KeyValueStore. Contract, decision order, reads and fail policy: function/README.md.
// No RegExp is ever built from store data: User-Agent rules are '*' globs matched with indexOf.

const DEFAULTS = { mode: 'enforce', deny: 403, fail: 'closed' };
const SECRET = /^ealp_[A-Za-z0-9_-]{43}$/;
// A plain URI: '/'-separated segments of unreserved characters, a few sub-delimiters and the one
// encoding %20; no other '%', no ';', '\', ':' or non-ASCII, no empty segment. Each segment starts
// at its own '/', so the match is linear.
const PLAIN = /^(?=\/)(\/([A-Za-z0-9._~!$&'()*+,=@-]|%20)+)*\/?$/;
// A segment of dots and spaces only: origins resolve or trim it ('..', '.%20', '%20..').
const DOTS = /(^|\/)(\.|%20)+(\/|$)/;
// The manifests scope: the last segment of a plain URI ends in one of these.
const MANIFEST = /\/[A-Za-z0-9._~-]+\.(m3u8|mpd|mp4)$/i;
// A port is 1-65535 without leading zeros; the default port is dropped by the normalisation.
const ORIGIN = /^(https?):\/\/([a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::([1-9]\d{0,4}))?$/;
const STATUS = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };
// The cost bound (README section 4): the characters of a User-Agent value that are matched, the
// values a request may carry, the glob parts all shards may hold.
const UA_CHARS = 512;
const UA_VALUES = 2;
const UA_PARTS = 160;

async function handler(event) {
  const c = { req: (event || {}).request, cfg: DEFAULTS, origin: '' };
  try {
    return await decide(c);
  } catch (e) {
    // A malformed value or a failed read: the fail policy decides.
    try {
      return deny(c, 'error');
    } catch (e2) {
      return { statusCode: 403, statusDescription: 'Forbidden' };
    }
  }
}

async function decide(c) {
  c.kvs = cf.kvs();
  try {
    c.cfg = await read(c, 'cfg', false, policy);
  } catch (e) {
    return deny(c, 'cfg');
  }
  const uri = c.req.uri;
  const marker = '/' + c.cfg.marker + '/';
  const secret = uri.startsWith(marker) ? strip(c, uri.slice(marker.length)) : undefined;
  if (c.cfg.mode === 'off') return pass(c);
  if (secret !== undefined) return partner(c, secret);
  if (isPublic(c.cfg.public, uri)) return plain(uri) ? pass(c) : deny(c, 'uri-ambiguous');
  return browser(c);
}

function plain(uri) {
  return PLAIN.test(uri) && !DOTS.test(uri);
}

// Returns the secret segment; remembers the URI for the origin and a log URI without the secret.
function strip(c, rest) {
  const slash = rest.indexOf('/');
  c.strip = slash < 0 ? '/' : rest.slice(slash);
  c.logUri = '/' + c.cfg.marker + '/*' + c.strip;
  return slash < 0 ? rest : rest.slice(0, slash);
}

// The secret decides alone: a wrong one never falls through to the browser rules.
async function partner(c, secret) {
  if (!SECRET.test(secret)) return deny(c, 'secret-format');
  const x = await read(c, 'x:' + crypto.createHash('sha256').update(secret).digest('hex'), true);
  if (x === undefined) return deny(c, 'secret-unknown');
  if (x.scope !== 'all' && x.scope !== 'manifests') throw new Error('scope');
  if (expired(x)) return deny(c, 'secret-expired');
  if (x.scope === 'manifests') {
    if (!plain(c.strip)) return deny(c, 'uri-ambiguous');
    if (!MANIFEST.test(c.strip)) return deny(c, 'secret-scope');
  }
  return pass(c);
}

function isPublic(prefixes, uri) {
  return prefixes.some(p => uri === p || (uri.startsWith(p) && (p.endsWith('/') || uri[p.length] === '/')));
}

async function browser(c) {
  const origins = values(c, 'origin');
  const referers = values(c, 'referer');
  let origin = origins[0] || '';
  // Several values: which one the origin server believes is unknown, so none is trusted.
  if (origins.length > 1 || referers.length > 1) {
    c.origin = origin;
    return deny(c, 'origin-invalid');
  }
  if (!origin) {
    const referer = referers[0] || '';
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^\/?#]*/i.exec(referer);
    origin = m ? m[0] : referer;
  }
  if (!origin) {
    if (c.cfg.noOrigin === 'deny') return deny(c, 'no-origin');
    return userAgent(c, c.cfg.noOrigin === 'ua');
  }
  c.origin = origin;
  const o = ORIGIN.exec(origin.toLowerCase());
  const port = o && o[3] ? +o[3] : 0;
  if (!o || port > 65535) return deny(c, 'origin-invalid');
  const standard = !port || port === (o[1] === 'https' ? 443 : 80);
  const verdict = await originRule(c, o[1] + '://', o[2], standard ? '' : ':' + port);
  return verdict ? deny(c, verdict) : userAgent(c, false);
}

// The exact key, then one key per wildcard level up to cfg.wild. Expired rules count as absent.
// Returns '' when allowed, else the reason.
async function originRule(c, scheme, host, port) {
  const keys = ['o:' + scheme + host + port];
  const labels = host.split('.');
  for (let k = 1; host[0] !== '[' && k <= c.cfg.wild && labels.length - k >= 2; k++) {
    keys.push('o:' + scheme + '*.' + labels.slice(k).join('.') + port);
  }
  let reason = 'origin-unknown';
  for (let i = 0; i < keys.length; i++) {
    const rule = await read(c, keys[i], true);
    if (rule === undefined) continue;
    if (!expired(rule)) return '';
    reason = 'origin-expired';
  }
  return reason;
}

// Deny rules apply to every request that gets here; allow rules only admit requests without
// Origin and Referer (needAllow), each of whose User-Agent values must match one. A browser on an
// allowed origin is never denied for matching no allow rule.
async function userAgent(c, needAllow) {
  const uas = values(c, 'user-agent').map(u => lower(u.slice(0, UA_CHARS)));
  if (uas.length > UA_VALUES) return deny(c, 'ua-denied');
  if (!uas.length) uas.push('');
  const allowed = uas.map(() => false);
  c.parts = 0;
  for (let n = 0; n < c.cfg.ua; n++) {
    const shard = await read(c, 'ua:' + n, false, s => matchers(s, c.cfg.v));
    if ((c.parts += shard.parts) > UA_PARTS) throw new Error('ua');
    if (uas.some(u => shard.deny.some(m => glob(m, u)))) return deny(c, 'ua-denied');
    if (needAllow) uas.forEach((u, i) => { allowed[i] = allowed[i] || shard.allow.some(m => glob(m, u)); });
  }
  return needAllow && allowed.indexOf(false) >= 0 ? deny(c, 'ua-not-allowed') : pass(c);
}

// A shard's lists as arrays of lower-cased glob parts. Schema 2 stores globs ('*' stands for any
// characters); schema 1 stored regex sources, of which only literal alternatives (optionally
// anchored with ^ and $) are read, as the globs they equal; any other regex is an error.
function matchers(shard, v) {
  const out = { parts: 0 };
  ['allow', 'deny'].forEach(list => {
    let m = shard[list];
    if (m === undefined || m === '') m = [];
    else if (v === 1 && typeof m === 'string') m = m.split('|').map(legacy);
    else if (v === 1 || !Array.isArray(m)) throw new Error(list);
    out[list] = m.map(g => {
      if (typeof g !== 'string' || !g) throw new Error(list);
      const p = lower(g).split('*');
      out.parts += p.length;
      return p;
    });
  });
  return out;
}

function legacy(alt) {
  const m = /^(\^?)((?:[^\\^$.|?*+()[\]{}]|\\[^\w\s])*)(\$?)$/.exec(alt.replace(/^\(\?:(.*)\)$/, '$1'));
  if (!m) throw new Error('regex');
  return (m[1] ? '' : '*') + m[2].replace(/\\(.)/g, '$1') + (m[3] ? '' : '*');
}

// A glob's parts match when the value starts with the first, ends with the last and holds the
// others in order between: each part is one indexOf from where the previous one ended.
function glob(p, u) {
  const last = p.length - 1;
  if (!last) return u === p[0];
  if (!u.startsWith(p[0])) return false;
  let at = p[0].length;
  for (let i = 1; i < last; i++) {
    at = u.indexOf(p[i], at);
    if (at < 0) return false;
    at += p[i].length;
  }
  return u.length - at >= p[last].length && u.endsWith(p[last]);
}

// ASCII only, so both engines and the service fold alike whatever else the header holds.
function lower(s) {
  return s.replace(/[A-Z]+/g, x => x.toLowerCase());
}

// Values derived from a raw store value (the validated policy, compiled shards), kept while the
// runtime keeps this instance warm; keyed by the raw value, so a changed value is derived anew.
let MEMO = Object.create(null);
let memoCount = 0;

// A JSON object, through build when given. CloudFront throws for a missing key with an undocumented
// message, so no message is trusted: a granting key (o:, x:) that cannot be read is absent
// (undefined) whatever was thrown; any other key (cfg, ua:) that cannot be read, and any malformed
// value, throws into the fail policy. exists() would tell absence apart, but costs one more read.
async function read(c, key, grants, build) {
  let text;
  try {
    text = await c.kvs.get(key, { format: 'string' });
  } catch (e) {
    if (grants) return undefined;
    throw e;
  }
  const memoKey = key + '\n' + (build ? c.cfg.v : '') + text;
  let value = MEMO[memoKey];
  if (value === undefined) {
    value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(key);
    if (build) value = build(value);
    if (++memoCount > 64) {
      MEMO = Object.create(null);
      memoCount = 1;
    }
    MEMO[memoKey] = value;
  }
  return value;
}

function policy(p) {
  if (p.v !== 1 && p.v !== 2) throw new Error('cfg.v');
  const prefixes = oneOf(p.public, [[]], Array.isArray(p.public));
  const marker = oneOf(p.marker, ['_p'], typeof p.marker === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(p.marker));
  if (prefixes.length > 20 || !prefixes.every(s => typeof s === 'string' && s.length <= 200 && plain(s))) throw new Error('cfg.public');
  return {
    v: p.v,
    mode: oneOf(p.mode, ['enforce', 'report', 'off']),
    noOrigin: oneOf(p.noOrigin, ['ua', 'deny', 'allow']),
    public: prefixes,
    marker: marker,
    ua: oneOf(p.ua, [0, 1, 2, 3, 4, 5, 6, 7, 8]),
    wild: oneOf(p.wild, [1, 0, 2, 3, 4, 5]),
    deny: oneOf(p.deny, [403, 401, 404]),
    fail: oneOf(p.fail, ['closed', 'open']),
    reason: oneOf(p.reason, [false, true]),
    log: oneOf(p.log, [false, true])
  };
}

// The first allowed value is the default; valid says whether a value outside the list is fine.
function oneOf(value, allowed, valid) {
  if (value === undefined) return allowed[0];
  if (!valid && allowed.indexOf(value) < 0) throw new Error('cfg: ' + value);
  return value;
}

function expired(rule) {
  const exp = rule.exp;
  if (exp === undefined || exp === 0) return false;
  if (typeof exp !== 'number' || exp < 0) throw new Error('exp');
  return Date.now() / 1000 >= exp;
}

// Every value of a header; CloudFront lists a repeated header in multiValue, the first value included.
function values(c, name) {
  const h = c.req.headers && c.req.headers[name];
  if (!h) return [];
  const list = Array.isArray(h.multiValue) && h.multiValue.length ? h.multiValue : [h];
  return list.map(v => (v && v.value ? String(v.value) : ''));
}

function header(c, name) {
  return values(c, name)[0] || '';
}

function pass(c) {
  if (c.strip !== undefined) c.req.uri = c.strip;
  return c.req;
}

// report never blocks; fail "open" passes on errors; else the configured status, without a body.
function deny(c, reason) {
  const cfg = c.cfg;
  const action = reason === 'error' && cfg.fail === 'open' ? 'fail-open' : cfg.mode === 'report' ? 'report' : '';
  if (action) {
    log(c, action, reason);
    return pass(c);
  }
  if (cfg.log || reason === 'error' || reason === 'cfg') log(c, 'deny', reason);
  const headers = { 'cache-control': { value: 'no-store' } };
  if (cfg.reason) headers['x-allowlist-reason'] = { value: reason };
  return { statusCode: cfg.deny, statusDescription: STATUS[cfg.deny], headers: headers };
}

// One JSON line. Without a usable cfg the marker is unknown, so anything secret-shaped is masked.
function log(c, action, reason) {
  console.log(JSON.stringify({
    allowlist: action,
    reason: reason,
    uri: c.logUri || String(c.req.uri).replace(/ealp_[A-Za-z0-9_-]*/g, '*'),
    origin: c.origin.slice(0, 128),
    ua: header(c, 'user-agent').slice(0, 128)
  }));
}
