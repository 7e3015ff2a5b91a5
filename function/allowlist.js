import cf from 'cloudfront';
import crypto from 'crypto';

// Edge Allowlist, viewer-request, runtime cloudfront-js-2.0.
// Fixed code: every rule is a key in the associated KeyValueStore. The contract (keys, decision
// order, reads per request, fail policy, log line) is function/README.md; this file follows it
// top to bottom.

const DEFAULTS = { mode: 'enforce', deny: 403, fail: 'closed', reason: false, log: false };
const SECRET = /^ealp_[A-Za-z0-9_-]{43}$/;
const SECRETISH = /ealp_[A-Za-z0-9_-]*/g;
const MANIFEST = /\.(m3u8|mpd|mp4)$/i;
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;
const ORIGIN = /^(https?):\/\/([a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;
const URL_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^\/?#]*/i;
const STATUS = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

async function handler(event) {
    const c = { req: event.request, cfg: DEFAULTS, origin: '' };
    try {
        return await decide(c);
    } catch (e) {
        // Anything unexpected (a malformed value, a failed read) goes through the fail policy.
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
        c.cfg = policy(await read(c, 'cfg'));
    } catch (e) {
        return deny(c, 'cfg');
    }
    const uri = c.req.uri;
    const marker = '/' + c.cfg.marker + '/';
    if (c.cfg.mode === 'off') {
        if (uri.startsWith(marker)) stripSecret(c, uri.slice(marker.length));
        return pass(c);
    }
    if (uri.startsWith(marker)) return partner(c, stripSecret(c, uri.slice(marker.length)));
    if (isPublic(c.cfg.public, uri)) return pass(c);
    return browser(c);
}

// Partner path: the secret decides alone; a wrong secret never falls through to browser rules.
async function partner(c, secret) {
    if (!SECRET.test(secret)) return deny(c, 'secret-format');
    const x = await read(c, 'x:' + crypto.createHash('sha256').update(secret).digest('hex'));
    if (x === undefined) return deny(c, 'secret-unknown');
    object(x);
    if (x.scope !== 'manifests' && x.scope !== 'all') throw new Error('scope');
    if (expired(x.exp)) return deny(c, 'secret-expired');
    if (x.scope === 'manifests' && !MANIFEST.test(c.strip)) return deny(c, 'secret-scope');
    return pass(c);
}

// Returns the secret segment; remembers the path the origin will see and the redacted log URI.
function stripSecret(c, rest) {
    const slash = rest.indexOf('/');
    c.strip = slash < 0 ? '/' : rest.slice(slash);
    c.logUri = '/' + c.cfg.marker + '/*' + c.strip;
    return slash < 0 ? rest : rest.slice(0, slash);
}

function isPublic(prefixes, uri) {
    if (DOT_SEGMENT.test(uri)) return false;
    return prefixes.some(p => uri === p || (uri.startsWith(p) && (p.endsWith('/') || uri[p.length] === '/')));
}

async function browser(c) {
    const headers = c.req.headers || {};
    let origin = header(headers, 'origin');
    if (!origin) {
        const referer = header(headers, 'referer');
        const m = URL_ORIGIN.exec(referer);
        origin = m ? m[0] : referer;
    }
    if (!origin) {
        if (c.cfg.noOrigin === 'deny') return deny(c, 'no-origin');
        if (c.cfg.noOrigin === 'allow') return pass(c);
        return userAgent(c, true);
    }
    c.origin = origin;
    const o = ORIGIN.exec(origin.toLowerCase());
    const port = o && o[3] ? +o[3] : 0;
    if (!o || port > 65535) return deny(c, 'origin-invalid');
    const suffix = !port || (o[1] === 'https' && port === 443) || (o[1] === 'http' && port === 80) ? '' : ':' + port;
    const verdict = await originRule(c, o[1] + '://', o[2], suffix);
    return verdict ? deny(c, verdict) : userAgent(c, false);
}

// Exact key first, then one leftmost-wildcard key per level up to cfg.wild. Expired rules count
// as absent. Returns '' when allowed, else the reason code.
async function originRule(c, scheme, host, port) {
    const keys = ['o:' + scheme + host + port];
    const labels = host.split('.');
    for (let k = 1; host[0] !== '[' && k <= c.cfg.wild && labels.length - k >= 2; k++) {
        keys.push('o:' + scheme + '*.' + labels.slice(k).join('.') + port);
    }
    let expiredSeen = false;
    for (let i = 0; i < keys.length; i++) {
        const rule = await read(c, keys[i]);
        if (rule === undefined) continue;
        object(rule);
        if (!expired(rule.exp)) return '';
        expiredSeen = true;
    }
    return expiredSeen ? 'origin-expired' : 'origin-unknown';
}

// Every shard holds allow and deny patterns. A deny match ends it; an allow match is needed
// when any allow pattern exists, or always for a request without Origin (noOrigin "ua").
async function userAgent(c, allowRequired) {
    const ua = header(c.req.headers || {}, 'user-agent');
    let allowSeen = allowRequired;
    let allowed = false;
    for (let n = 0; n < c.cfg.ua; n++) {
        const shard = await read(c, 'ua:' + n);
        if (shard === undefined) throw new Error('missing shard');
        object(shard);
        const denyPattern = text(shard.deny);
        const allowPattern = text(shard.allow);
        if (denyPattern && new RegExp(denyPattern, 'i').test(ua)) return deny(c, 'ua-denied');
        if (allowPattern) {
            allowSeen = true;
            allowed = allowed || new RegExp(allowPattern, 'i').test(ua);
        }
    }
    return allowSeen && !allowed ? deny(c, 'ua-not-allowed') : pass(c);
}

// A missing key resolves to undefined; any other failure throws into the fail policy.
// CloudFront reports a missing key by throwing (message undocumented, seen as "KeyNotFound").
async function read(c, key) {
    let value;
    try {
        value = await c.kvs.get(key, { format: 'string' });
    } catch (e) {
        if (/not ?found/i.test(String(e && e.message))) return undefined;
        throw e;
    }
    return JSON.parse(value);
}

function policy(p) {
    object(p);
    if (p.v !== 1) throw new Error('cfg.v');
    const prefixes = p.public === undefined ? [] : p.public;
    if (!Array.isArray(prefixes) || !prefixes.every(s => typeof s === 'string' && s[0] === '/')) throw new Error('cfg.public');
    const marker = p.marker === undefined ? '_p' : p.marker;
    if (typeof marker !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(marker)) throw new Error('cfg.marker');
    return {
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

// The first allowed value is the default.
function oneOf(value, allowed) {
    if (value === undefined) return allowed[0];
    if (allowed.indexOf(value) < 0) throw new Error('cfg value ' + value);
    return value;
}

function object(v) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
}

function text(v) {
    if (v === undefined) return '';
    if (typeof v !== 'string') throw new Error('not a string');
    return v;
}

function expired(exp) {
    if (exp === undefined || exp === 0) return false;
    if (typeof exp !== 'number' || exp < 0) throw new Error('exp');
    return Date.now() / 1000 >= exp;
}

function header(headers, name) {
    return headers[name] && headers[name].value ? String(headers[name].value) : '';
}

function pass(c) {
    if (c.strip !== undefined) c.req.uri = c.strip;
    return c.req;
}

// report never blocks; fail "open" passes on errors; otherwise the configured status, no body.
function deny(c, reason) {
    const cfg = c.cfg;
    if (reason === 'error' && cfg.fail === 'open') {
        log(c, 'fail-open', reason);
        return pass(c);
    }
    if (cfg.mode === 'report') {
        log(c, 'report', reason);
        return pass(c);
    }
    if (cfg.log || reason === 'error' || reason === 'cfg') log(c, 'deny', reason);
    const headers = { 'cache-control': { value: 'no-store' } };
    if (cfg.reason) headers['x-allowlist-reason'] = { value: reason };
    return { statusCode: cfg.deny, statusDescription: STATUS[cfg.deny], headers: headers };
}

// One JSON line; the secret never appears (partner paths are redacted before any read).
function log(c, action, reason) {
    const uri = c.logUri || String(c.req.uri).replace(SECRETISH, '*');
    console.log(JSON.stringify({
        allowlist: action,
        reason: reason,
        uri: uri,
        origin: c.origin.slice(0, 128),
        ua: header(c.req.headers || {}, 'user-agent').slice(0, 128)
    }));
}
