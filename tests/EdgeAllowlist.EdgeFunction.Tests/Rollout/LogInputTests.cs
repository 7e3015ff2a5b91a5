using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.EdgeFunction.Tests.Rollout;

public sealed class LogInputTests
{
    static string Fixture(string name) => File.ReadAllText(Path.Combine(RecordedTrafficTests.Folder, name));

    /// <summary>The function's lines of an input, as parsed, plus the skipped and framing counts.</summary>
    static async Task<(List<FunctionLogLine> Lines, int Skipped, int Framing)> ParseAsync(Stream input)
    {
        var parser = new FunctionLogParser();
        var lines = new List<FunctionLogLine>();
        var (skipped, framing) = (0, 0);
        await foreach (var message in LogInput.ReadAsync(input))
        {
            switch (parser.Parse(message, out var line))
            {
                case LineKind.Function: lines.Add(line!); break;
                case LineKind.Foreign: skipped++; break;
                default: framing++; break;
            }
        }
        return (lines, skipped, framing);
    }

    static Stream Utf8(string text) => new MemoryStream(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task The_ndjson_and_the_filter_log_events_json_of_one_log_give_the_same_lines_and_cloudwatch_adds_times_and_the_distribution()
    {
        var ndjson = await ParseAsync(Utf8(Fixture("report-mode.ndjson")));
        var events = await ParseAsync(Utf8(Fixture("report-mode.filter-log-events.json")));
        var printed = Fixture("report-mode.ndjson").Split('\n').Where(l => l.StartsWith("{\"allowlist\"", StringComparison.Ordinal)).ToList();

        ndjson.Lines.Count.ShouldBe(printed.Count);
        ndjson.Skipped.ShouldBe(2); // the comment and the foreign line
        events.Lines.Count.ShouldBe(printed.Count);
        events.Skipped.ShouldBe(0);
        events.Framing.ShouldBe(2 * printed.Count); // START and END around each request, counted nowhere
        events.Lines.Select(l => (l.Action, l.Reason, l.Uri, l.Origin, l.UserAgent)).ShouldBe(ndjson.Lines.Select(l => (l.Action, l.Reason, l.Uri, l.Origin, l.UserAgent)));
        for (var i = 0; i < printed.Count; i++)
        {
            var json = JsonNode.Parse(printed[i])!;
            ndjson.Lines[i].Reason.ShouldBe(json["reason"]!.GetValue<string>());
            ndjson.Lines[i].UserAgent.ShouldBe(json["ua"]!.GetValue<string>());
        }
        events.Lines.ShouldAllBe(l => l.Distribution == RecordedTraffic.Distribution && l.At != null);
        events.Lines.Select(l => l.At!.Value).ShouldBeInOrder();
        events.Lines.ShouldAllBe(l => l.At >= RecordedTraffic.Start && (l.At!.Value - RecordedTraffic.Start).TotalSeconds % 40 == 0);
        ndjson.Lines.ShouldAllBe(l => l.Distribution == null && l.At == null);
    }

    [Fact]
    public async Task The_events_json_is_read_token_by_token_so_a_stream_that_yields_one_byte_at_a_time_reads_the_same()
    {
        var text = Fixture("report-mode.filter-log-events.json");
        var whole = await ParseAsync(Utf8(text));
        var trickled = await ParseAsync(new OneByteStream(Encoding.UTF8.GetBytes(text)));
        trickled.Lines.ShouldBe(whole.Lines);
    }

    [Fact]
    public async Task CloudWatch_text_lines_have_the_request_id_stripped_the_distribution_kept_and_foreign_lines_counted_never_fatal()
    {
        var text = string.Join('\n',
            "abcDEF123== START DistributionID: E1AAAAAAAAAAAA",
            "abcDEF123== {\"allowlist\":\"report\",\"reason\":\"no-origin\",\"uri\":\"/a.ts\",\"origin\":\"\",\"ua\":\"x\"}",
            "abcDEF123== END",
            "zzz999==\t{\"allowlist\":\"deny\",\"reason\":\"origin-unknown\",\"uri\":\"/b.ts\",\"origin\":\"https://x.example\",\"ua\":\"\"}",
            "zzz999== some other output",
            "{\"allowlist\":\"report\",\"reason\":\"not-a-reason\",\"uri\":\"/c\"}",
            "{\"allowlist\":\"maybe\",\"reason\":\"cfg\"}",
            "{broken json",
            "",
            "   ",
            new string('x', LogInput.MaxMessageBytes + 10),
            "{\"allowlist\":\"fail-open\",\"reason\":\"error\",\"uri\":\"/d\",\"origin\":\"\",\"ua\":\"\"}");
        var (lines, skipped, framing) = await ParseAsync(Utf8(text));
        lines.Select(l => (l.Action, l.Reason, l.Uri, l.Distribution)).ShouldBe([
            ("report", "no-origin", "/a.ts", "E1AAAAAAAAAAAA"),
            ("deny", "origin-unknown", "/b.ts", null),
            ("fail-open", "error", "/d", null)]);
        lines.Select(l => l.Line).ShouldBe([2, 4, 12]);
        skipped.ShouldBe(5);
        framing.ShouldBe(2);
    }

    [Fact]
    public async Task A_truncated_events_document_is_a_format_error_naming_json()
    {
        var error = await Should.ThrowAsync<FormatException>(async () => await ParseAsync(Utf8("{\"events\":[{\"message\":\"abc\"},{\"message\":")));
        error.Message.ShouldContain("not valid JSON");
    }

    sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
