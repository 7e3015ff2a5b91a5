using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeAllowlist.EdgeFunction.Rollout;

namespace EdgeAllowlist.Bench.Rollout;

/// <summary>
/// Lines per second and peak RSS of the rollout analysis over a generated FilterLogEvents document
/// (streamed from a generator, never on disk or in memory whole), with the API's rules for the
/// suggestions. A third of the lines come from attackers with an origin never seen twice, so the
/// top tables must evict. Without an argument it runs itself twice, as separate processes, on
/// 100,000 and on 1,000,000 lines and prints the ratio of their peak RSS: memory must not grow with
/// the input. Usage: rollout-analyze [lines]
/// </summary>
public sealed class RolloutAnalyzeScenario : IScenario
{
    public string Name => "rollout-analyze";

    public string Description => "rollout analysis: lines/s and peak RSS, 100,000 vs 1,000,000 lines (each in its own process)";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0)
        {
            var lines = long.Parse(args[0], CultureInfo.InvariantCulture);
            var watch = Stopwatch.StartNew();
            var document = await RolloutAnalyzer.AnalyzeAsync(new GeneratedLog(lines), RolloutRules.Instance);
            watch.Stop();
            if (document.Total != lines)
                throw new InvalidOperationException($"read {document.Total} lines of {lines}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lines={lines} seconds={watch.Elapsed.TotalSeconds:F2} linesPerSecond={lines / watch.Elapsed.TotalSeconds:F0} peakRssMiB={PeakRssMiB():F1} suggestions={document.Suggestions.Count} exact={document.Exact}"));
            return 0;
        }
        var small = await ChildAsync(100_000);
        var large = await ChildAsync(1_000_000);
        Console.WriteLine(small.Line);
        Console.WriteLine(large.Line);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS 1,000,000 / 100,000 lines = {large.Rss / small.Rss:F2} (10x the input)"));
        return 0;
    }

    static async Task<(string Line, double Rss)> ChildAsync(long lines)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        // Under "dotnet run" the process is dotnet and the bench is its first argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(RolloutAnalyzeScenario).Assembly.Location);
        start.ArgumentList.Add("rollout-analyze");
        start.ArgumentList.Add(lines.ToString(CultureInfo.InvariantCulture));
        using var child = Process.Start(start)!;
        var output = (await child.StandardOutput.ReadToEndAsync()).Trim();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"child for {lines} lines exited {child.ExitCode}: {output}");
        var rss = output.Split(' ').Single(p => p.StartsWith("peakRssMiB=", StringComparison.Ordinal))["peakRssMiB=".Length..];
        return (output, double.Parse(rss, CultureInfo.InvariantCulture));
    }

    /// <summary>VmHWM of /proc/self/status: the most resident memory this process ever had.</summary>
    static double PeakRssMiB() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).Single();

    /// <summary>A FilterLogEvents document of <c>lines</c> function log lines, made as it is read.</summary>
    sealed class GeneratedLog(long lines) : Stream
    {
        static readonly string[] Kinds =
        [
            """{"allowlist":"report","reason":"origin-unknown","uri":"/live/channel1/720p/segment{0}.ts","origin":"https://player.example.net","ua":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"}""",
            """{"allowlist":"report","reason":"ua-not-allowed","uri":"/live/channel2/1080p/segment{0}.m4s","origin":"","ua":"AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)"}""",
            """{"allowlist":"report","reason":"origin-unknown","uri":"/v1/master/a1b2c3/channel1/index.m3u8","origin":"https://attacker{0}.example","ua":"curl/8.5.0"}""",
            """{"allowlist":"report","reason":"secret-unknown","uri":"/_p/*/live/channel1/index.m3u8","origin":"","ua":"Amazon Elemental MediaTailor"}""",
            """{"allowlist":"report","reason":"origin-expired","uri":"/live/channel1/720p/segment{0}.ts","origin":"https://old.example.com","ua":"Mozilla/5.0 (Macintosh) Safari/605.1.15"}""",
            """{"allowlist":"report","reason":"origin-unknown","uri":"/v1/master/a1b2c3/channel2/index.m3u8","origin":"https://attacker{0}.example","ua":"python-requests/2.31.0"}""",
        ];

        long next;
        byte[] pending = Encoding.UTF8.GetBytes("{\n    \"events\": [\n");
        int offset;
        bool closed;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (this.offset == pending.Length && !Refill())
                    break;
                var n = Math.Min(buffer.Length - written, pending.Length - this.offset);
                pending.AsSpan(this.offset, n).CopyTo(buffer[written..]);
                this.offset += n;
                written += n;
            }
            return written;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        bool Refill()
        {
            if (closed)
                return false;
            offset = 0;
            if (next == lines)
            {
                pending = Encoding.UTF8.GetBytes("\n    ],\n    \"searchedLogStreams\": []\n}\n");
                closed = true;
                return true;
            }
            var i = next++;
            var line = Kinds[i % Kinds.Length].Replace("{0}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var message = System.Text.Json.JsonSerializer.Serialize($"Req{i:D12}AAAAAAAAAAAAAAAAAAAA== {line}");
            pending = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{(i == 0 ? "" : ",\n")}        {{\"logStreamName\": \"2026/11/30/E2BENCH\", \"timestamp\": {1_796_000_000_000 + i * 50}, \"message\": {message}, \"ingestionTime\": {1_796_000_001_000 + i * 50}, \"eventId\": \"{i:D20}\"}}"));
            return true;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
