using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima.Ast;
using EdgeAllowlist.Store;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace EdgeAllowlist.EdgeFunction;

/// <summary>
/// Runs the CloudFront Function file unmodified with Jint, the way CloudFront's runtime 2.0 would:
/// as an ES module that imports <c>cloudfront</c> (its <c>kvs()</c> bound to an
/// <see cref="IKeyValueStore"/>) and <c>crypto</c>, with <c>console.log</c> captured and
/// <c>Date</c> frozen at the start of the run.
/// <para>
/// Thread safety: the file is parsed once, when the runtime is created; the parsed modules are
/// immutable and shared. Every <see cref="Run"/> builds its own <see cref="Engine"/>, so one
/// runtime can serve any number of concurrent callers.
/// </para>
/// </summary>
public sealed class EdgeFunctionRuntime
{
    /// <summary>CloudFront's maximum function size (platform-facts §5.6).</summary>
    public const int MaxFunctionBytes = 10_240;

    private const string MainModule = "allowlist.js";

    // CloudFront calls the top-level handler; a module hides it, so the runtime adds one export line
    // to the parsed text (never to the file). Everything else runs as written.
    private const string ExportHandler = "\nexport { handler };\n";

    private static readonly Prepared<Module> CloudFrontModule = Engine.PrepareModule(Prelude.CloudFront, "cloudfront");
    private static readonly Prepared<Module> CryptoModule = Engine.PrepareModule(Prelude.Crypto, "crypto");

    private readonly Prepared<Module> _function;

    private EdgeFunctionRuntime(string source, Prepared<Module> function)
    {
        Source = source;
        _function = function;
    }

    /// <summary>Where the build puts the deployed file, beside this assembly.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "function", "allowlist.js");

    public string Source { get; }

    public int SizeInBytes => Encoding.UTF8.GetByteCount(Source);

    public static EdgeFunctionRuntime Load(string? path = null) => FromSource(File.ReadAllText(path ?? DefaultPath));

    /// <exception cref="InvalidDataException">The code is larger than CloudFront accepts.</exception>
    /// <exception cref="Acornima.ParseErrorException">The code does not parse as a module.</exception>
    public static EdgeFunctionRuntime FromSource(string source)
    {
        var bytes = Encoding.UTF8.GetByteCount(source);
        if (bytes > MaxFunctionBytes)
        {
            throw new InvalidDataException($"The function is {bytes} bytes; CloudFront accepts at most {MaxFunctionBytes}.");
        }
        return new(source, Engine.PrepareModule(source + ExportHandler, MainModule));
    }

    /// <summary>
    /// Runs the handler once on <paramref name="cloudFrontEvent"/> (CloudFront's event object, as
    /// TestFunction takes it) against <paramref name="store"/>. Never throws for anything the
    /// function does: a thrown error becomes <see cref="EdgeAction.Failed"/>.
    /// </summary>
    public EdgeOutcome Run(JsonObject cloudFrontEvent, IKeyValueStore store, DateTimeOffset? now = null, CancellationToken cancellationToken = default)
    {
        var engine = new Engine(options =>
        {
            options.Strict = true;
            options.TimeSystem = new FrozenClock(now ?? DateTimeOffset.UtcNow);
            options.MaxStatements(100_000);
            options.LimitRecursion(64);
            options.RegexTimeoutInterval(TimeSpan.FromSeconds(1));
            options.CancellationToken(cancellationToken);
        });
        var host = new EdgeHost(engine, store, cancellationToken);
        var console = new JsObject(engine);
        console.Set("log", new ClrFunction(engine, "log", (_, arguments) =>
        {
            host.Log(arguments);
            return JsValue.Undefined;
        }));
        engine.SetValue("console", console);
        engine.Modules.Add(Prelude.HostModule, host.Export);
        engine.Modules.Add("cloudfront", builder => builder.AddModule(CloudFrontModule));
        engine.Modules.Add("crypto", builder => builder.AddModule(CryptoModule));
        engine.Modules.Add(MainModule, builder => builder.AddModule(_function));

        try
        {
            var handler = engine.Modules.Import(MainModule).Get("handler");
            var eventValue = new JsonParser(engine).Parse(cloudFrontEvent.ToJsonString());
            var returned = engine.Invoke(handler, eventValue).UnwrapIfPromise();
            return Classify(engine, returned, host);
        }
        catch (Exception e) when (e is JavaScriptException or PromiseRejectedException or ExecutionCanceledException or StatementsCountOverflowException or RecursionDepthOverflowException or RegexMatchTimeoutException)
        {
            return new(EdgeAction.Failed, new(), host.Logs, host.Reads, e.Message);
        }
    }

    private static EdgeOutcome Classify(Engine engine, JsValue returned, EdgeHost host)
    {
        var json = returned.IsObject() ? new JsonSerializer(engine).Serialize(returned).AsString() : "null";
        if (JsonNode.Parse(json) is not JsonObject body)
        {
            return new(EdgeAction.Failed, new(), host.Logs, host.Reads, "The handler returned neither a request nor a response.");
        }
        // CloudFront tells a generated response from the request by its statusCode.
        return body.ContainsKey("statusCode")
            ? new(EdgeAction.Respond, new() { ["response"] = body }, host.Logs, host.Reads)
            : new(EdgeAction.Pass, new() { ["request"] = body }, host.Logs, host.Reads);
    }

    /// <summary>CloudFront's <c>Date</c> returns the start time of the run throughout (platform-facts §5.3).</summary>
    private sealed class FrozenClock(DateTimeOffset now) : ITimeSystem
    {
        private readonly DefaultTimeSystem _inner = new(TimeZoneInfo.Utc, CultureInfo.InvariantCulture);

        public TimeZoneInfo DefaultTimeZone => TimeZoneInfo.Utc;

        public DateTimeOffset GetUtcNow() => now;

        public TimeSpan GetUtcOffset(long epochMilliseconds) => TimeSpan.Zero;

        public bool TryParse(string date, out long epochMilliseconds) => _inner.TryParse(date, out epochMilliseconds);
    }
}
