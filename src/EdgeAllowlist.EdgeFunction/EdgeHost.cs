using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Store;
using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Modules;

namespace EdgeAllowlist.EdgeFunction;

/// <summary>
/// Host functions for one engine: store reads bound to the port (counted), hashing with .NET's
/// primitives, and captured console lines. <see cref="Begin"/> binds it to the store of the next
/// run; it serves one run at a time.
/// </summary>
internal sealed class EdgeHost(Engine engine, MissingKey missingKey)
{
    List<string> _logs = [];
    IKeyValueStore? _store;
    CancellationToken _cancellationToken;

    public int Reads { get; private set; }

    public IReadOnlyList<string> Logs => _logs;

    IKeyValueStore Store => _store ?? throw new InvalidOperationException("No run in progress.");

    public void Begin(IKeyValueStore store, CancellationToken cancellationToken)
    {
        _store = store;
        _cancellationToken = cancellationToken;
        _logs = [];
        Reads = 0;
    }

    public void End() => _store = null;

    public void Export(ModuleBuilder builder) => builder
        .ExportFunction("read", args => Read(args.At(0).AsString(), args.At(1).AsString()))
        .ExportFunction("exists", args => Exists(args.At(0).AsString()))
        .ExportFunction("meta", _ => Meta())
        .ExportFunction("digest", args => Digest(args.At(0), args.At(1), args.At(2), args.At(3)));

    public void Log(JsValue[] arguments) =>
        _logs.Add(string.Join(" ", arguments.Select(a => a.IsString() ? a.AsString() : TypeConverter.ToString(a))));

    JsValue Read(string key, string format)
    {
        var (item, error) = Fetch(key);
        if (error is not null) return Result(error: error);
        if (item is null) return Result(error: missingKey.Message, plain: !missingKey.AsError);
        return Result(value: format == "bytes" ? Bytes(Encoding.UTF8.GetBytes(item.Value)) : item.Value);
    }

    JsValue Exists(string key)
    {
        var (item, error) = Fetch(key);
        return error is null ? Result(value: item is not null) : Result(error: error);
    }

    JsValue Meta()
    {
        Reads++;
        try
        {
            var description = Store.DescribeAsync(_cancellationToken).GetAwaiter().GetResult();
            var value = new JsObject(engine);
            value.Set("keyCount", description.ItemCount);
            value.Set("creationDateTime", description.Created.ToString("O"));
            value.Set("lastUpdatedDateTime", (description.LastModified ?? description.Created).ToString("O"));
            return Result(value: value);
        }
        catch (KvsException e)
        {
            return Result(error: ReadFailed(e));
        }
    }

    // The function awaits each read in turn, so a blocking wait here keeps the engine single-threaded.
    (KeyValueItem? Item, string? Error) Fetch(string key)
    {
        Reads++;
        try
        {
            return (Store.GetAsync(key, _cancellationToken).GetAwaiter().GetResult(), null);
        }
        catch (KvsException e)
        {
            return (null, ReadFailed(e));
        }
    }

    // Deliberately free of "not found": the function must tell a failed read from a missing key.
    static string ReadFailed(KvsException e) => $"KVS read failed (HTTP {(int)e.StatusCode})";

    JsValue Result(JsValue? value = null, string? error = null, bool plain = false)
    {
        var result = new JsObject(engine);
        if (error is not null) result.Set("error", error);
        else result.Set("value", value ?? JsValue.Undefined);
        if (plain) result.Set("plain", true);
        return result;
    }

    JsValue Digest(JsValue algorithm, JsValue key, JsValue parts, JsValue encoding)
    {
        var name = algorithm.IsString() ? algorithm.AsString() : "";
        var hashName = name switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha1" => HashAlgorithmName.SHA1,
            "md5" => HashAlgorithmName.MD5,
            _ => throw new JavaScriptException(engine.Intrinsics.Error, $"Digest method not supported: {name}"),
        };
        using var hash = key.IsNull() ? IncrementalHash.CreateHash(hashName) : IncrementalHash.CreateHMAC(hashName, BytesOf(key));
        foreach (var part in parts.AsArray()) hash.AppendData(BytesOf(part));
        var digest = hash.GetHashAndReset();
        return encoding.IsNull() ? Bytes(digest) : encoding.AsString() switch
        {
            "hex" => Convert.ToHexStringLower(digest),
            "base64" => Convert.ToBase64String(digest),
            "base64url" => Convert.ToBase64String(digest).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            var other => throw new JavaScriptException(engine.Intrinsics.Error, $"Unknown digest encoding: {other}"),
        };
    }

    byte[] BytesOf(JsValue data) => data switch
    {
        _ when data.IsString() => Encoding.UTF8.GetBytes(data.AsString()),
        JsTypedArray typed => Enumerable.Range(0, (int)typed.Length).Select(i => (byte)TypeConverter.ToNumber(typed[i])).ToArray(),
        _ => throw new JavaScriptException(engine.Intrinsics.TypeError, "data must be a string or a Uint8Array"),
    };

    JsValue Bytes(byte[] bytes) => engine.Intrinsics.Uint8Array.Construct(bytes);
}
