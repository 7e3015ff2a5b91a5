using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing.Fakes;

/// <summary>
/// The CloudFront control plane for KeyValueStores and Functions as the 2020-05-31 model describes it:
/// XML bodies in the API namespace are checked field by field, ETags are per stage and only the
/// DEVELOPMENT one is accepted by update, test and publish, UpdateFunction names its ETag header
/// <c>ETtag</c> as the model does, and TestFunction really runs the uploaded code (the project's Jint
/// runtime for cloudfront-js-2.0) against the data of the associated store, a real local store.
/// </summary>
public sealed partial class FakeCloudFront : IAsyncDisposable
{
    public const string AccountId = "123456789012";
    static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    readonly ConcurrentDictionary<string, StoreState> stores = new();
    readonly ConcurrentDictionary<string, FunctionState> functions = new();
    readonly ConcurrentDictionary<string, DistributionState> distributions = new();
    readonly Lock gate = new();
    readonly DirectoryInfo storeFolder = Directory.CreateTempSubdirectory("edge-allowlist-fake-cloudfront-");
    LocalKeyValueStore? unassociated;
    FakeAwsHost host = null!;
    int etagCounter;

    public Uri Endpoint => host.Endpoint;

    public IReadOnlyCollection<RecordedRequest> Requests => host.Requests;

    public IReadOnlyCollection<string> SignatureProblems => host.SignatureProblems;

    /// <summary>What TestFunction reports as ComputeUtilization.</summary>
    public int ComputeUtilization { get; set; } = 12;

    /// <summary>
    /// How many PublishFunction calls answer 412 although their ETag is current, as CloudFront has
    /// done right after an update (hashicorp/terraform-provider-aws#49572).
    /// </summary>
    public int SpuriousPublishPreconditionFailures { get; set; }

    /// <summary>How many calls are answered <c>Throttling</c> with <see cref="ThrottleStatus"/> before any is served.</summary>
    public int ThrottleNext { get; set; }

    /// <summary>CloudFront sends its rate limit as 400 Throttling (the model) and 429 at times.</summary>
    public int ThrottleStatus { get; set; } = 400;

    /// <summary>How many PublishFunction calls publish and then answer 503, so the caller cannot know from the answer that LIVE moved.</summary>
    public int PublishAppliedThenUnavailable { get; set; }

    /// <summary>How many PublishFunction calls answer 503 without publishing.</summary>
    public int PublishUnavailable { get; set; }

    /// <summary>When set, function writes store no KeyValueStore association, whatever the request says.</summary>
    public bool DropAssociations { get; set; }

    /// <summary>When set, an import ends in FAILED instead of READY (a malformed import file, say).</summary>
    public bool ImportsFail { get; set; }

    /// <summary>Runs when a PublishFunction request arrives, before it is checked: someone else's change racing the deploy.</summary>
    public Action<FunctionState>? BeforePublish { get; set; }

    public sealed record StoreState(string Name, string Id, string Comment, string Arn, DateTimeOffset LastModified, string ETag, LocalKeyValueStore Data)
    {
        /// <summary>The S3 object the store was created from, or null.</summary>
        public string? ImportSourceArn { get; init; }

        /// <summary>PROVISIONING while an import runs, which here ends before the store is next described; then READY.</summary>
        public string Status { get; set; } = "READY";
    }

    public sealed record StageState(string Comment, string Runtime, IReadOnlyList<string> KvsArns, byte[] Code, string ETag, DateTimeOffset LastModified);

    public sealed class FunctionState(string name, string arn, DateTimeOffset created, StageState development)
    {
        public string Name { get; } = name;
        public string Arn { get; } = arn;
        public DateTimeOffset Created { get; } = created;
        public StageState Development { get; set; } = development;
        public StageState? Live { get; set; }
    }

    public IReadOnlyDictionary<string, FunctionState> Functions => functions;

    /// <summary>A distribution: its configuration exactly as last written, and the ETag of that version.</summary>
    public sealed record DistributionState(string Id, XElement Config, string ETag, string Status);

    public IReadOnlyDictionary<string, DistributionState> Distributions => distributions;

    /// <summary>Adds a distribution with <paramref name="config"/>, which must conform to the model.</summary>
    public DistributionState SeedDistribution(string id, XElement config)
    {
        if (CloudFrontModel.Problems("DistributionConfig", config) is [_, ..] problems)
            throw new ArgumentException($"The distribution config does not conform to the model: {string.Join("; ", problems)}", nameof(config));
        return distributions[id] = new(id, new XElement(config), NextETag(), "Deployed");
    }

    public static async Task<FakeCloudFront> StartAsync()
    {
        var fake = new FakeCloudFront();
        fake.host = await FakeAwsHost.StartAsync("cloudfront", "us-east-1",
            (context, problem) => Error(context, 403, "SignatureDoesNotMatch", problem), fake.Map);
        return fake;
    }

    /// <summary>Adds a store directly, as if created earlier in the console.</summary>
    public StoreState SeedStore(string name)
    {
        var store = NewStore(name, "");
        stores[name] = store;
        return store;
    }

    /// <summary>Writes key-value pairs into a store's data, as an S3 import or the data plane would.</summary>
    public static async Task LoadAsync(StoreState store, IReadOnlyCollection<KeyValueItem> items)
    {
        foreach (var batch in items.Chunk(KvsLimits.MaxKeysPerUpdate))
            await store.Data.UpdateKeysAsync((await store.Data.DescribeAsync()).ETag, batch, []);
    }

    StoreState NewStore(string name, string comment)
    {
        var id = Guid.NewGuid().ToString();
        var arn = $"arn:aws:cloudfront::{AccountId}:key-value-store/{id}";
        return new(name, id, comment, arn, DateTimeOffset.UtcNow, NextETag(), LocalKeyValueStore.Open(Path.Combine(storeFolder.FullName, id), arn));
    }

    void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (ThrottleNext > 0)
            {
                ThrottleNext--;
                await Error(context, ThrottleStatus, "Throttling", "Rate exceeded");
                return;
            }
            await next(context);
        });
        app.MapPost("/2020-05-31/key-value-store", CreateKeyValueStore);
        app.MapGet("/2020-05-31/key-value-store/{name}", (HttpContext context, string name) =>
        {
            if (!stores.TryGetValue(name, out var store))
                return Error(context, 404, "EntityNotFound", $"The key value store {name} does not exist.");
            if (store.Status == "PROVISIONING")
                store.Status = ImportsFail ? "FAILED" : "READY";
            return Xml(context, 200, StoreElement(store), ("ETag", store.ETag));
        });
        app.MapPost("/2020-05-31/function", CreateFunction);
        app.MapPut("/2020-05-31/function/{name}", UpdateFunction);
        app.MapGet("/2020-05-31/function/{name}/describe", DescribeFunction);
        app.MapPost("/2020-05-31/function/{name}/test", TestFunction);
        app.MapPost("/2020-05-31/function/{name}/publish", PublishFunction);
        app.MapGet("/2020-05-31/function/{name}", GetFunction);
        app.MapGet("/2020-05-31/distribution/{id}/config", GetDistributionConfig);
        app.MapPut("/2020-05-31/distribution/{id}/config", UpdateDistribution);
    }

    async Task CreateKeyValueStore(HttpContext context)
    {
        if (await Body(context, "CreateKeyValueStoreRequest") is not { } root)
            return;
        var name = Text(root, "Name");
        if (name is null || !NamePattern().IsMatch(name))
        {
            await Error(context, 400, "InvalidArgument", "Name must match [a-zA-Z0-9-_]{1,64}.");
            return;
        }
        var comment = Text(root, "Comment") ?? "";
        if (comment.Length > 128)
        {
            await Error(context, 400, "InvalidArgument", "Comment is longer than 128 characters.");
            return;
        }
        if (stores.ContainsKey(name))
        {
            await Error(context, 409, "EntityAlreadyExists", $"The key value store {name} already exists.");
            return;
        }
        string? importSourceArn = null;
        if (root.Element(Ns + "ImportSource") is { } import)
        {
            importSourceArn = Text(import, "SourceARN");
            if (Text(import, "SourceType") != "S3" || importSourceArn is null || !importSourceArn.StartsWith("arn:aws:s3:::", StringComparison.Ordinal))
            {
                await Error(context, 400, "InvalidArgument", "ImportSource needs SourceType S3 and an S3 SourceARN.");
                return;
            }
        }
        var store = stores.GetOrAdd(name, _ => NewStore(name, comment) with
        {
            ImportSourceArn = importSourceArn,
            Status = importSourceArn is null ? "READY" : "PROVISIONING",
        });
        await Xml(context, 201, StoreElement(store), ("ETag", store.ETag), ("Location", $"{Endpoint}2020-05-31/key-value-store/{store.Id}"));
    }

    async Task CreateFunction(HttpContext context)
    {
        if (await Body(context, "CreateFunctionRequest") is not { } root)
            return;
        var name = Text(root, "Name");
        if (name is null || !NamePattern().IsMatch(name))
        {
            await Error(context, 400, "InvalidArgument", "Name must match [a-zA-Z0-9-_]{1,64}.");
            return;
        }
        if (await Stage(context, root) is not { } stage)
            return;
        var function = new FunctionState(name, $"arn:aws:cloudfront::{AccountId}:function/{name}", DateTimeOffset.UtcNow, stage);
        if (!functions.TryAdd(name, function))
        {
            await Error(context, 409, "FunctionAlreadyExists", $"The function {name} already exists.");
            return;
        }
        await Xml(context, 201, SummaryElement(function, function.Development, "DEVELOPMENT"),
            ("ETag", stage.ETag), ("Location", $"{Endpoint}2020-05-31/function/{name}"));
    }

    async Task UpdateFunction(HttpContext context, string name)
    {
        if (await Body(context, "UpdateFunctionRequest") is not { } root)
            return;
        if (await Function(context, name) is not { } function || !await DevelopmentIfMatch(context, function))
            return;
        if (await Stage(context, root) is not { } stage)
            return;
        lock (gate)
            function.Development = stage;
        await Xml(context, 200, SummaryElement(function, stage, "DEVELOPMENT"), ("ETtag", stage.ETag));
    }

    async Task DescribeFunction(HttpContext context, string name)
    {
        if (await Function(context, name) is not { } function)
            return;
        var stageName = context.Request.Query["Stage"].ToString();
        var stage = stageName switch
        {
            "" or "DEVELOPMENT" => function.Development,
            "LIVE" => function.Live,
            _ => null,
        };
        if (stageName is not ("" or "DEVELOPMENT" or "LIVE"))
            await Error(context, 400, "InvalidArgument", "Stage must be DEVELOPMENT or LIVE.");
        else if (stage is null)
            await Error(context, 404, "NoSuchFunctionExists", $"The function {name} has no LIVE stage.");
        else
            await Xml(context, 200, SummaryElement(function, stage, stageName == "LIVE" ? "LIVE" : "DEVELOPMENT"), ("ETag", stage.ETag));
    }

    async Task TestFunction(HttpContext context, string name)
    {
        if (await Body(context, "TestFunctionRequest") is not { } root)
            return;
        if (await Function(context, name) is not { } function || !await DevelopmentIfMatch(context, function))
            return;
        var stageName = Text(root, "Stage") ?? "DEVELOPMENT";
        var stage = stageName == "LIVE" ? function.Live : function.Development;
        if (stage is null)
        {
            await Error(context, 400, "InvalidArgument", "The function has no LIVE stage to test.");
            return;
        }
        byte[] eventObject;
        try
        {
            eventObject = Convert.FromBase64String(Text(root, "EventObject") ?? "");
        }
        catch (FormatException)
        {
            await Error(context, 400, "InvalidArgument", "EventObject is not base64.");
            return;
        }
        if (ParseEvent(eventObject) is not { } cloudFrontEvent)
        {
            await Error(context, 400, "InvalidArgument", "EventObject is not a JSON object.");
            return;
        }
        var outcome = Run(stage, cloudFrontEvent);
        await Xml(context, 200, new XElement(Ns + "TestResult",
            SummaryElement(function, stage, stageName),
            new XElement(Ns + "ComputeUtilization", ComputeUtilization.ToString(CultureInfo.InvariantCulture)),
            // The list has no member name in the model, so rest-xml writes each line as <member>.
            new XElement(Ns + "FunctionExecutionLogs", outcome.Logs.Select(line => new XElement(Ns + "member", line))),
            new XElement(Ns + "FunctionErrorMessage", outcome.Error ?? ""),
            new XElement(Ns + "FunctionOutput", outcome.Action == EdgeAction.Failed ? "" : outcome.Output.ToJsonString())));
    }

    async Task PublishFunction(HttpContext context, string name)
    {
        if (functions.TryGetValue(name, out var racing))
            BeforePublish?.Invoke(racing);
        if (await Function(context, name) is not { } function || !await DevelopmentIfMatch(context, function))
            return;
        if (SpuriousPublishPreconditionFailures > 0)
        {
            SpuriousPublishPreconditionFailures--;
            await Error(context, 412, "PreconditionFailed", "The precondition in one or more of the request fields evaluated to false.");
            return;
        }
        if (PublishUnavailable > 0)
        {
            PublishUnavailable--;
            await Error(context, 503, "ServiceUnavailable", "CloudFront is temporarily unavailable.");
            return;
        }
        lock (gate)
            function.Live = function.Development with { ETag = NextETag() };
        if (PublishAppliedThenUnavailable > 0)
        {
            PublishAppliedThenUnavailable--;
            await Error(context, 503, "ServiceUnavailable", "CloudFront is temporarily unavailable.");
            return;
        }
        await Xml(context, 200, SummaryElement(function, function.Live, "LIVE"));
    }

    async Task GetFunction(HttpContext context, string name)
    {
        if (await Function(context, name) is not { } function)
            return;
        var stage = context.Request.Query["Stage"].ToString() == "LIVE" ? function.Live : function.Development;
        if (stage is null)
        {
            await Error(context, 404, "NoSuchFunctionExists", $"The function {name} has no LIVE stage.");
            return;
        }
        context.Response.ContentType = "application/octet-stream";
        context.Response.Headers.ETag = stage.ETag;
        await context.Response.Body.WriteAsync(stage.Code);
    }

    Task GetDistributionConfig(HttpContext context, string id) =>
        distributions.TryGetValue(id, out var distribution)
            ? Xml(context, 200, distribution.Config, ("ETag", distribution.ETag))
            : Error(context, 404, "NoSuchDistribution", $"The distribution {id} does not exist.");

    /// <summary>
    /// UpdateDistribution as the model describes it: the If-Match of the current version, a body that
    /// conforms to DistributionConfig, the same CallerReference, and only published functions associated.
    /// </summary>
    async Task UpdateDistribution(HttpContext context, string id)
    {
        if (await Body(context, "DistributionConfig") is not { } config)
            return;
        if (!distributions.TryGetValue(id, out var distribution))
        {
            await Error(context, 404, "NoSuchDistribution", $"The distribution {id} does not exist.");
            return;
        }
        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0)
        {
            await Error(context, 400, "InvalidIfMatchVersion", "The If-Match version is missing or not valid.");
            return;
        }
        if (ifMatch != distribution.ETag)
        {
            await Error(context, 412, "PreconditionFailed", "The precondition in one or more of the request fields evaluated to false.");
            return;
        }
        if (CloudFrontModel.Problems("DistributionConfig", config) is { Count: > 0 } problems)
        {
            await Error(context, 400, "MalformedXML", string.Join("; ", problems));
            return;
        }
        if (Text(config, "CallerReference") != Text(distribution.Config, "CallerReference"))
        {
            await Error(context, 400, "IllegalUpdate", "CallerReference cannot be changed.");
            return;
        }
        // Functions already associated stand for ones created outside this fake; a new association must name a published one.
        var before = distribution.Config.Descendants(Ns + "FunctionARN").Select(a => a.Value).ToHashSet();
        var associated = config.Descendants(Ns + "FunctionAssociation").Select(a => Text(a, "FunctionARN") ?? "").Where(arn => !before.Contains(arn)).ToList();
        if (associated.FirstOrDefault(arn => functions.Values.All(f => f.Arn != arn || f.Live is null)) is { } unpublished)
        {
            await Error(context, 400, "InvalidFunctionAssociation", $"The function {unpublished} does not exist or is not published.");
            return;
        }
        var updated = distributions[id] = distribution with { Config = config, ETag = NextETag(), Status = "InProgress" };
        await Xml(context, 200, new XElement(Ns + "Distribution",
            new XElement(Ns + "Id", id),
            new XElement(Ns + "ARN", $"arn:aws:cloudfront::{AccountId}:distribution/{id}"),
            new XElement(Ns + "Status", updated.Status),
            new XElement(Ns + "LastModifiedTime", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)),
            new XElement(Ns + "InProgressInvalidationBatches", 0),
            new XElement(Ns + "DomainName", "d111111abcdef8.cloudfront.net"),
            new XElement(config)), ("ETag", updated.ETag));
    }

    static JsonObject? ParseEvent(byte[] eventObject)
    {
        try
        {
            return JsonNode.Parse(eventObject) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Runs the stage's code as CloudFront would, reading the first associated store.</summary>
    EdgeOutcome Run(StageState stage, JsonObject cloudFrontEvent)
    {
        IKeyValueStore data = stage.KvsArns.Count > 0
            ? stores.Values.Single(store => store.Arn == stage.KvsArns[0]).Data
            : unassociated ??= LocalKeyValueStore.Open(Path.Combine(storeFolder.FullName, "unassociated"));
        try
        {
            return EdgeFunctionRuntime.FromSource(Encoding.UTF8.GetString(stage.Code)).Run(cloudFrontEvent, data);
        }
        catch (Exception error) when (error is Jint.ScriptPreparationException or Acornima.ParseErrorException)
        {
            return new(EdgeAction.Failed, new(), [], 0, error.Message);
        }
    }

    async Task<StageState?> Stage(HttpContext context, XElement root)
    {
        var config = Child(root, "FunctionConfig");
        var runtime = config is null ? null : Text(config, "Runtime");
        if (config is null || Text(config, "Comment") is null || runtime is not ("cloudfront-js-1.0" or "cloudfront-js-2.0"))
        {
            await Error(context, 400, "InvalidArgument", "FunctionConfig needs a Comment and a Runtime of cloudfront-js-1.0 or cloudfront-js-2.0.");
            return null;
        }
        var arns = new List<string>();
        if (Child(config, "KeyValueStoreAssociations") is { } associations)
        {
            var items = Child(associations, "Items")?.Elements().ToList() ?? [];
            if (Text(associations, "Quantity") != items.Count.ToString(CultureInfo.InvariantCulture)
                || items.Any(item => item.Name != Ns + "KeyValueStoreAssociation"))
            {
                await Error(context, 400, "InvalidArgument", "KeyValueStoreAssociations.Quantity must count its KeyValueStoreAssociation items.");
                return null;
            }
            arns.AddRange(items.Select(item => Text(item, "KeyValueStoreARN") ?? ""));
            if (arns.FirstOrDefault(arn => !ArnPattern().IsMatch(arn) || stores.Values.All(store => store.Arn != arn)) is { } unknown)
            {
                await Error(context, 404, "EntityNotFound", $"No key value store {unknown}.");
                return null;
            }
        }
        byte[] code;
        try
        {
            code = Convert.FromBase64String(Text(root, "FunctionCode") ?? "");
        }
        catch (FormatException)
        {
            await Error(context, 400, "InvalidArgument", "FunctionCode is not base64.");
            return null;
        }
        if (code.Length is < 1 or > 40960)
        {
            await Error(context, 413, "FunctionSizeLimitExceeded", "FunctionCode must be 1 to 40960 bytes.");
            return null;
        }
        return new(Text(config, "Comment")!, runtime, DropAssociations ? [] : arns, code, NextETag(), DateTimeOffset.UtcNow);
    }

    async Task<FunctionState?> Function(HttpContext context, string name)
    {
        if (functions.TryGetValue(name, out var function))
            return function;
        await Error(context, 404, "NoSuchFunctionExists", $"The function {name} does not exist.");
        return null;
    }

    static async Task<bool> DevelopmentIfMatch(HttpContext context, FunctionState function)
    {
        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0)
        {
            await Error(context, 400, "InvalidIfMatchVersion", "The If-Match version is missing or not valid.");
            return false;
        }
        if (ifMatch == function.Development.ETag)
            return true;
        await Error(context, 412, "PreconditionFailed", "The precondition in one or more of the request fields evaluated to false.");
        return false;
    }

    static async Task<XElement?> Body(HttpContext context, string rootName)
    {
        try
        {
            var root = (await XDocument.LoadAsync(context.Request.Body, LoadOptions.None, context.RequestAborted)).Root!;
            if (root.Name == Ns + rootName)
                return root;
            await Error(context, 400, "MalformedXML", $"Expected <{rootName}> in {Ns}, got {root.Name}.");
        }
        catch (System.Xml.XmlException error)
        {
            await Error(context, 400, "MalformedXML", error.Message);
        }
        return null;
    }

    static XElement StoreElement(StoreState store) =>
        new(Ns + "KeyValueStore",
            new XElement(Ns + "Name", store.Name),
            new XElement(Ns + "Id", store.Id),
            new XElement(Ns + "Comment", store.Comment),
            new XElement(Ns + "ARN", store.Arn),
            new XElement(Ns + "Status", store.Status),
            new XElement(Ns + "LastModifiedTime", store.LastModified.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));

    static XElement SummaryElement(FunctionState function, StageState stage, string stageName) =>
        new(Ns + "FunctionSummary",
            new XElement(Ns + "Name", function.Name),
            new XElement(Ns + "Status", function.Live is null ? "UNPUBLISHED" : "UNASSOCIATED"),
            new XElement(Ns + "FunctionConfig",
                new XElement(Ns + "Comment", stage.Comment),
                new XElement(Ns + "Runtime", stage.Runtime),
                new XElement(Ns + "KeyValueStoreAssociations",
                    new XElement(Ns + "Quantity", stage.KvsArns.Count),
                    stage.KvsArns.Count == 0 ? null : new XElement(Ns + "Items", stage.KvsArns.Select(arn =>
                        new XElement(Ns + "KeyValueStoreAssociation", new XElement(Ns + "KeyValueStoreARN", arn)))))),
            new XElement(Ns + "FunctionMetadata",
                new XElement(Ns + "FunctionARN", function.Arn),
                new XElement(Ns + "Stage", stageName),
                new XElement(Ns + "CreatedTime", function.Created.ToString("O", CultureInfo.InvariantCulture)),
                new XElement(Ns + "LastModifiedTime", stage.LastModified.ToString("O", CultureInfo.InvariantCulture))));

    static Task Xml(HttpContext context, int status, XElement body, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml";
        foreach (var (name, value) in headers)
            context.Response.Headers[name] = value;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        return context.Response.WriteAsync(new XDeclaration("1.0", "UTF-8", null) + body.ToString(SaveOptions.DisableFormatting));
    }

    static Task Error(HttpContext context, int status, string code, string message) =>
        Xml(context, status, new XElement(Ns + "ErrorResponse",
            new XElement(Ns + "Error",
                new XElement(Ns + "Type", status >= 500 ? "Receiver" : "Sender"),
                new XElement(Ns + "Code", code),
                new XElement(Ns + "Message", message)),
            new XElement(Ns + "RequestId", Guid.NewGuid().ToString())));

    static XElement? Child(XElement element, string name) => element.Element(Ns + name);

    static string? Text(XElement element, string name) => Child(element, name)?.Value;

    /// <summary>A change to the DEVELOPMENT stage made outside the deploy under test.</summary>
    public void ChangeDevelopment(FunctionState function, string code)
    {
        lock (gate)
            function.Development = function.Development with { Code = Encoding.UTF8.GetBytes(code), ETag = NextETag() };
    }

    string NextETag() => $"E{Interlocked.Increment(ref etagCounter):D4}FAKE";

    [GeneratedRegex("^[a-zA-Z0-9-_]{1,64}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^arn:aws:cloudfront::[0-9]{12}:key-value-store\/[0-9a-fA-F-]{36}$")]
    private static partial Regex ArnPattern();

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        foreach (var store in stores.Values)
            await store.Data.DisposeAsync();
        if (unassociated is not null)
            await unassociated.DisposeAsync();
        storeFolder.Delete(recursive: true);
    }
}
