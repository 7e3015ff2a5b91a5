import cf from 'cloudfront';
import crypto from 'crypto';

// Edge Allowlist, viewer-request. Rules: KVS keys (function/README.md). UA globs: indexOf, no RegExp.

const DEFAULTS = { mode: 'enforce', deny: 403, fail: 'closed' };
const SECRET = /^ealp_[A-Za-z0-9_-]{43}$/;
// Plain URI (README section 3).
const PLAIN = /^(?=\/)(\/([A-Za-z0-9._~!$&'()*+,=@-]|%20)+)*\/?$/;
// A segment of dots and spaces only.
const DOTS = /(^|\/)(\.|%20)+(\/|$)/;
// The manifests scope: extensions of the last segment.
const MANIFEST = /\/[A-Za-z0-9._~-]+\.(m3u8|mpd|mp4)$/i;
// Port 1-65535, no leading zeros.
const ORIGIN = /^(https?):\/\/([a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::([1-9]\d{0,4}))?$/;
const STATUS = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };
// Cost caps (README section 4).
const UA_CHARS = 512;
const UA_VALUES = 2;
const UA_PARTS = 160;

async function handler(event) {
  const c = { req: (event || {}).request, cfg: DEFAULTS, origin: '' };
  try {
    return await decide(c);
  } catch (e) {
    // Malformed or unreadable: fail policy.
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

// Returns the secret; keeps the origin URI and a log URI without it.
function strip(c, rest) {
  const slash = rest.indexOf('/');
  c.strip = slash < 0 ? '/' : rest.slice(slash);
  c.logUri = '/' + c.cfg.marker + '/*' + c.strip;
  return slash < 0 ? rest : rest.slice(0, slash);
}

// The secret decides alone.
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
  // Several values: none is trusted.
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

// Exact key, then each wildcard level; '' or the reason.
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

// Deny rules: every request. Allow rules: only requests without Origin and Referer (needAllow).
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

// Shards as glob parts; schema 1: literal regexes only.
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

// Parts in order: starts with the first, ends with the last, indexOf for the rest.
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

// ASCII folding only, so all engines fold alike.
function lower(s) {
  return s.replace(/[A-Z]+/g, x => x.toLowerCase());
}

// Derived values cached by raw store value while the instance stays warm.
let MEMO = Object.create(null);
let memoCount = 0;

// Unreadable o:/x: = absent; other read or parse errors = fail policy.
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

// First allowed value is the default; valid admits others.
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

// Every value of a header (multiValue holds the first too).
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

// report never blocks; fail open passes errors; else the status, no body.
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

// One JSON line; without cfg, anything secret-shaped is masked.
function log(c, action, reason) {
  console.log(JSON.stringify({
    allowlist: action,
    reason: reason,
    uri: c.logUri || String(c.req.uri).replace(/ealp_[A-Za-z0-9_-]*/g, '*'),
    origin: c.origin.slice(0, 128),
    ua: header(c, 'user-agent').slice(0, 128)
  }));
}
