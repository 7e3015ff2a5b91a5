namespace EdgeAllowlist.EdgeFunction;

/// <summary>
/// The JavaScript side of the <c>cloudfront</c> and <c>crypto</c> modules. Promises, thrown errors
/// and method shapes are made in JavaScript, so they behave like CloudFront's; the work (store
/// reads, hashing) is done by the host functions of <see cref="EdgeHost"/>, imported from
/// <c>edge:host</c>.
/// </summary>
internal static class Prelude
{
    public const string HostModule = "edge:host";

    // get() throws on a missing key like CloudFront does: by default an Error with the message seen in
    // the wild; MissingKey lets tests throw any other message, or a value that is not an Error.
    public const string CloudFront = """
        import { read, exists, meta } from 'edge:host';
        function handle() {
            return {
                async get(key, options) {
                    const format = options && options.format !== undefined ? options.format : 'string';
                    if (format !== 'string' && format !== 'json' && format !== 'bytes') throw new TypeError('unknown format: ' + format);
                    const r = read(String(key), format);
                    if (r.plain) throw r.error;
                    if (r.error !== undefined) throw new Error(r.error);
                    return format === 'json' ? JSON.parse(r.value) : r.value;
                },
                async exists(key) {
                    const r = exists(String(key));
                    if (r.error !== undefined) throw new Error(r.error);
                    return r.value;
                },
                async meta() {
                    const r = meta();
                    if (r.error !== undefined) throw new Error(r.error);
                    return r.value;
                }
            };
        }
        export default { kvs: handle };
        """;

    public const string Crypto = """
        import { digest } from 'edge:host';
        function hasher(algorithm, key) {
            const parts = [];
            return {
                update(data) { parts.push(data); return this; },
                digest(encoding) { return digest(algorithm, key === undefined ? null : key, parts, encoding === undefined ? null : encoding); }
            };
        }
        export default {
            createHash(algorithm) { return hasher(algorithm); },
            createHmac(algorithm, key) { return hasher(algorithm, key); }
        };
        """;
}
