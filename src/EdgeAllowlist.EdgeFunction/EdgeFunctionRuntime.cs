using System.Collections.Concurrent;
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
/// Thread safety: the file is parsed once, when the runtime is created. Runs borrow an engine from
/// a pool (one run per engine at a time; a new engine when none is idle), so one runtime serves
/// any number of concurrent callers. Evaluating the module costs about a millisecond, a run on a
/// warm engine a small fraction of that; an engine whose run failed is dropped, not reused. Like
/// CloudFront, which may reuse a warm instance, module-level values live across runs of one engine.
/// </para>
/// </summary>
public sealed class EdgeFunctionRuntime
{
    /// <summary>CloudFront's maximum function size (platform-facts §5.6).</summary>
    public const int MaxFunctionBytes = 10_240;

    const string MainModule = "allowlist.js";

    // CloudFront calls the top-level handler; a module hides it, so the runtime adds one export line
    // to the parsed text (never to the file). Everything else runs as written.
    const string ExportHandler = "\nexport { handler };\n";

    static readonly Prepared<Module> CloudFrontModule = Engine.PrepareModule(Prelude.CloudFront, "cloudfront");
    static readonly Prepared<Module> CryptoModule = Engine.PrepareModule(Prelude.Crypto, "crypto");

    readonly Prepared<Module> _function;
    readonly MissingKey _missingKey;
    readonly ConcurrentBag<Sandbox> _idle = [];

    EdgeFunctionRuntime(string source, Prepared<Module> function, MissingKey missingKey)
    {
        Source = source;
        _function = function;
        _missingKey = missingKey;
    }

    /// <summary>Where the build puts the deployed file (function/dist/allowlist.js), beside this assembly.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "function", "allowlist.js");

    /// <summary>Where the build puts the readable source the deployed file is minified from.</summary>
    public static string SourcePath => Path.Combine(AppContext.BaseDirectory, "function", "source", "allowlist.js");

    public string Source { get; }

    public int SizeInBytes => Encoding.UTF8.GetByteCount(Source);

    /// <param name="missingKey">what <c>get()</c> throws for a missing key; default <see cref="MissingKey.Observed"/>.</param>
    public static EdgeFunctionRuntime Load(string? path = null, MissingKey? missingKey = null) =>
        FromSource(File.ReadAllText(path ?? DefaultPath), missingKey);

    /// <summary>
    /// The readable source, which is never deployed and so may be larger than CloudFront accepts: the
    /// tests hold it and the deployed build to identical outcomes.
    /// </summary>
    public static EdgeFunctionRuntime LoadSource(MissingKey? missingKey = null) =>
        FromSource(File.ReadAllText(SourcePath), missingKey, deployable: false);

    /// <param name="deployable">false for the readable source, which is never deployed: no size limit.</param>
    /// <exception cref="InvalidDataException">The code is larger than CloudFront accepts, or declares no top-level <c>handler</c>.</exception>
    /// <exception cref="ScriptPreparationException">The code does not parse as a module.</exception>
    public static EdgeFunctionRuntime FromSource(string source, MissingKey? missingKey = null, bool deployable = true)
    {
        var bytes = Encoding.UTF8.GetByteCount(source);
        if (deployable && bytes > MaxFunctionBytes)
        {
            throw new InvalidDataException($"The function is {bytes} bytes; CloudFront accepts at most {MaxFunctionBytes}.");
        }
        var parsed = Engine.PrepareModule(source, MainModule);
        if (!parsed.Program!.Body.OfType<FunctionDeclaration>().Any(f => f.Id?.Name == "handler"))
        {
            throw new InvalidDataException("The function declares no top-level function handler(event).");
        }
        return new(source, Engine.PrepareModule(source + ExportHandler, MainModule), missingKey ?? MissingKey.Observed);
    }

    /// <summary>
    /// Runs the handler once on <paramref name="cloudFrontEvent"/> (CloudFront's event object, as
    /// TestFunction takes it) against <paramref name="store"/>. Never throws for anything the
    /// function does: a thrown error becomes <see cref="EdgeAction.Failed"/>.
    /// </summary>
    public EdgeOutcome Run(JsonObject cloudFrontEvent, IKeyValueStore store, DateTimeOffset? now = null, CancellationToken cancellationToken = default)
    {
        var sandbox = _idle.TryTake(out var idle) ? idle : null;
        try
        {
            sandbox ??= new(_function, _missingKey);
            sandbox.Clock.Now = now ?? DateTimeOffset.UtcNow;
            sandbox.Host.Begin(store, cancellationToken);
            var eventValue = new JsonParser(sandbox.Engine).Parse(cloudFrontEvent.ToJsonString());
            // Store reads settle synchronously, so a promise still pending after a second never will.
            var returned = sandbox.Engine.Invoke(sandbox.Handler, eventValue).UnwrapIfPromise(TimeSpan.FromSeconds(1));
            var outcome = Classify(sandbox.Engine, returned, sandbox.Host);
            sandbox.Host.End();
            _idle.Add(sandbox);
            return outcome;
        }
        catch (Exception e) when (e is JintException or RegexMatchTimeoutException)
        {
            return new(EdgeAction.Failed, new(), sandbox?.Host.Logs ?? [], sandbox?.Host.Reads ?? 0, e.Message);
        }
    }

    /// <summary>One engine with the function module evaluated and the host modules bound to it.</summary>
    sealed class Sandbox
    {
        public Sandbox(Prepared<Module> function, MissingKey missingKey)
        {
            Engine = new(options =>
            {
                options.Strict = true;
                options.TimeSystem = Clock;
                options.MaxStatements(100_000);
                options.LimitRecursion(64);
                options.RegexTimeoutInterval(TimeSpan.FromSeconds(1));
            });
            Host = new(Engine, missingKey);
            var console = new JsObject(Engine);
            console.Set("log", new ClrFunction(Engine, "log", (_, arguments) =>
            {
                Host.Log(arguments);
                return JsValue.Undefined;
            }));
            Engine.SetValue("console", console);
            Engine.Modules.Add(Prelude.HostModule, Host.Export);
            Engine.Modules.Add("cloudfront", builder => builder.AddModule(CloudFrontModule));
            Engine.Modules.Add("crypto", builder => builder.AddModule(CryptoModule));
            Engine.Modules.Add(MainModule, builder => builder.AddModule(function));
            Handler = Engine.Modules.Import(MainModule).Get("handler");
        }

        public FrozenClock Clock { get; } = new();

        public Engine Engine { get; }

        public EdgeHost Host { get; }

        public JsValue Handler { get; }
    }

    static EdgeOutcome Classify(Engine engine, JsValue returned, EdgeHost host)
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
    sealed class FrozenClock : ITimeSystem
    {
        readonly DefaultTimeSystem _inner = new(TimeZoneInfo.Utc, CultureInfo.InvariantCulture);

        public DateTimeOffset Now { get; set; }

        public TimeZoneInfo DefaultTimeZone => TimeZoneInfo.Utc;

        public DateTimeOffset GetUtcNow() => Now;

        public TimeSpan GetUtcOffset(long epochMilliseconds) => TimeSpan.Zero;

        public bool TryParse(string date, out long epochMilliseconds) => _inner.TryParse(date, out epochMilliseconds);
    }
}
