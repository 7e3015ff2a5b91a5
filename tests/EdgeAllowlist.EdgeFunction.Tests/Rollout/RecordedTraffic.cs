using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.EdgeFunction.Tests.Rollout;

/// <summary>
/// A day of mixed traffic on a distribution in report mode, and the log the real function writes for
/// it: the source of the committed fixtures in <c>function/rollout/</c>. The rules are what a team has
/// on a first run: its own site, an origin whose rule expired, a deny rule for scanners, MediaTailor's
/// secret, no User-Agent allow rule. The traffic: browsers on the allowed site, on the team's
/// forgotten player site and on partners' embeds, native players and smart TVs without Origin,
/// MediaTailor with its secret, with a revoked one and off its scope, and attackers.
/// </summary>
static class RecordedTraffic
{
    public static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-30T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A published test secret (never a real one): MediaTailor's current secret in these rules.</summary>
    public const string MediaTailorSecret = "ealp_RolloutFixtureSecret_NeverUseItAnywhere_000";

    public const string RevokedSecret = "ealp_RolloutFixtureRevoked_NeverUseItAnywhere_01";

    public const string Distribution = "E2ROLLOUTEXAMPLE";

    public static Dictionary<string, string> Rules() => new(StringComparer.Ordinal)
    {
        ["cfg"] = """{"v":1,"mode":"report","noOrigin":"ua","public":["/healthz"],"marker":"_p","ua":1,"wild":1,"deny":403,"fail":"closed","reason":false,"log":false}""",
        ["o:https://www.example.com"] = "{}",
        ["o:https://old.example.com"] = """{"exp":1767225600}""",
        ["ua:0"] = """{"deny":"sqlmap|nikto|masscan"}""",
        [Edge.SecretKey(MediaTailorSecret)] = """{"p":"mediatailor","id":"sec_current","scope":"manifests","exp":0}""",
    };

    const string Chrome = Edge.Chrome;
    const string Safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    const string AppleCoreMedia = "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)";
    const string ExoPlayer = "ExampleTV/3.2.1 (Linux;Android 13) ExoPlayerLib/2.19.1";
    const string SmartTv = "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/5.0 Chrome/94.0 TV Safari/537.36";

    /// <summary>Kinds of request and how often each occurs in 1,000; the seed fixes the order.</summary>
    static readonly (int Weight, Func<Random, (string Uri, (string, string)[] Headers)> Make)[] Kinds =
    [
        (300, r => (Segment(r), [("origin", "https://www.example.com"), ("user-agent", r.Next(2) == 0 ? Chrome : Safari)])),
        (120, r => (Manifest(r), [("origin", "https://player.example.net"), ("user-agent", Chrome)])),
        (40, r => (Segment(r), [("referer", $"https://{Pick(r, "news", "sport", "kids")}.widgets.example.tv/embed/{r.Next(100)}"), ("user-agent", Safari)])),
        (30, r => (Segment(r), [("origin", "https://old.example.com"), ("user-agent", Chrome)])),
        (160, r => (Segment(r), [("user-agent", AppleCoreMedia)])),
        (70, r => (Segment(r), [("user-agent", ExoPlayer)])),
        (40, r => (Manifest(r), [("user-agent", SmartTv)])),
        (60, r => ($"/_p/{MediaTailorSecret}/live/{Pick(r, "channel1", "channel2")}/index.m3u8", [("user-agent", "Amazon Elemental MediaTailor")])),
        (15, r => ($"/_p/{RevokedSecret}/live/channel1/index.m3u8", [("user-agent", "Amazon Elemental MediaTailor")])),
        (10, r => ($"/_p/{MediaTailorSecret}/live/channel1/{r.Next(1000)}.ts", [("user-agent", "Amazon Elemental MediaTailor")])),
        (25, r => (Segment(r), [("user-agent", Pick(r, "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1"))])),
        (20, r => (Manifest(r), [("user-agent", "mediatailor.amazonaws.com")])),
        (15, r => ("/live/channel1/index.m3u8", [("origin", "https://www.example.com"), ("user-agent", "sqlmap/1.8#stable (https://sqlmap.org)")])),
        (15, r => (Segment(r), [("origin", Pick(r, "null", "file://", "https://www.example.com:0443")), ("user-agent", Chrome)])),
        (15, r => (Segment(r), [("origin", $"https://{Pick(r, "free-tv", "streamz", "watch-now")}.github.io"), ("user-agent", Chrome)])),
        (10, r => ($"/_p/{Pick(r, "admin", "ealp_short", "..%2f..%2fetc")}/index.m3u8", [("user-agent", "curl/8.5.0")])),
        (10, r => (Pick(r, "/healthz/..%2fprivate/keys.m3u8", "/healthz/..;/private/x.ts"), [("user-agent", "curl/8.5.0")])),
        (45, r => ("/healthz", [("user-agent", "ELB-HealthChecker/2.0")])),
    ];

    static string Segment(Random r) => $"/live/{Pick(r, "channel1", "channel2")}/{Pick(r, "720p", "1080p")}/segment{r.Next(5000)}.{Pick(r, "ts", "m4s")}";

    static string Manifest(Random r) => $"/v1/master/a1b2c3/{Pick(r, "channel1", "channel2")}/index.m3u8";

    static string Pick(Random r, params string[] values) => values[r.Next(values.Length)];

    /// <summary>The requests, one every 40 seconds from <see cref="Start"/>, in the order the seed gives.</summary>
    public static IEnumerable<(DateTimeOffset At, JsonObject Event)> Requests(int count)
    {
        var random = new Random(14);
        var total = Kinds.Sum(k => k.Weight);
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(total);
            var kind = Kinds.First(k => (roll -= k.Weight) < 0);
            var (uri, headers) = kind.Make(random);
            yield return (Start.AddSeconds(40 * i), EdgeEvent.ViewerRequest(uri, headers.Select(h => KeyValuePair.Create(h.Item1, h.Item2))));
        }
    }

    /// <summary>Runs the real function in report mode over the traffic; every log line it prints, with its time and a request id.</summary>
    public static List<(DateTimeOffset At, string RequestId, string Line)> Record(int count = 800)
    {
        var store = new CandidateStore(Rules());
        var lines = new List<(DateTimeOffset, string, string)>();
        var n = 0;
        foreach (var (at, request) in Requests(count))
        {
            var outcome = Edge.Function.Run(request, store, at);
            if (outcome.Action != EdgeAction.Pass)
                throw new InvalidOperationException($"Report mode blocked {request.ToJsonString()}.");
            n++;
            foreach (var line in outcome.Logs)
                lines.Add((at, $"RolloutFixture{n:D6}{new string('x', 36)}==", line));
        }
        return lines;
    }

    /// <summary>The function's lines as printed, one a line, with two lines of something else as a concatenated file would have.</summary>
    public static string Ndjson(List<(DateTimeOffset At, string RequestId, string Line)> lines)
    {
        var text = new StringBuilder();
        text.Append("# exported from the report-mode function log\n");
        foreach (var (_, _, line) in lines)
            text.Append(line).Append('\n');
        text.Append("not a line of the function\n");
        return text.ToString();
    }

    /// <summary>
    /// The same lines as <c>aws logs filter-log-events --log-group-name /aws/cloudfront/function/&lt;name&gt;</c>
    /// prints them: each line prefixed with its request id, between START and END lines.
    /// </summary>
    public static string FilterLogEvents(List<(DateTimeOffset At, string RequestId, string Line)> lines)
    {
        var events = new JsonArray();
        var id = 0;
        void Add(DateTimeOffset at, string message) => events.Add(new JsonObject
        {
            ["logStreamName"] = "2026/11/30/E2ROLLOUTEXAMPLE",
            ["timestamp"] = at.ToUnixTimeMilliseconds(),
            ["message"] = message,
            ["ingestionTime"] = at.ToUnixTimeMilliseconds() + 1500,
            ["eventId"] = (++id).ToString("D20", System.Globalization.CultureInfo.InvariantCulture),
        });
        foreach (var (at, requestId, line) in lines)
        {
            Add(at, $"{requestId} START DistributionID: {Distribution}");
            Add(at, $"{requestId} {line}");
            Add(at, $"{requestId} END");
        }
        var document = new JsonObject
        {
            ["events"] = events,
            ["searchedLogStreams"] = new JsonArray(new JsonObject { ["logStreamName"] = "2026/11/30/E2ROLLOUTEXAMPLE", ["searchedCompletely"] = true }),
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 4, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
