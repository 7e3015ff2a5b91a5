using System.Text;
using System.Text.Json;

namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>One message of the input: its number (line, or event index), its text (null when it was too long to keep) and its CloudWatch timestamp.</summary>
public readonly record struct LogMessage(long Number, string? Text, long? TimestampMs);

/// <summary>
/// Reads the function's log lines from a stream in bounded memory, whatever its size: NDJSON or
/// CloudWatch text lines (one message a line), or the JSON <c>aws logs filter-log-events</c> prints
/// (<c>{"events":[{"message":…,"timestamp":…}]}</c>, read token by token, never loaded whole).
/// The format is told from the first line: a JSON document whose first member is one of
/// FilterLogEvents' output members is the events form; anything else is lines.
/// </summary>
public static class LogInput
{
    /// <summary>A message longer than this is not the function's (CloudFront cuts logs at 10 KB); it is skipped, not kept.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>CloudWatch Logs takes events of at most 256 KB; a longer JSON token is not FilterLogEvents output.</summary>
    public const int MaxTokenBytes = 1024 * 1024;

    const int ChunkBytes = 64 * 1024;

    static readonly string[] EventsMembers = ["events", "searchedLogStreams", "nextToken"];

    public static async IAsyncEnumerable<LogMessage> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new Buffer(stream);
        bool? events;
        do
            await buffer.FillAsync(cancellationToken);
        while ((events = IsEventsDocument(buffer.Span, buffer.Ended)) is null);
        var source = events.Value ? ReadEventsAsync(buffer, cancellationToken) : ReadLinesAsync(buffer, cancellationToken);
        await foreach (var message in source)
            yield return message;
    }

    /// <summary>Null while the bytes so far cannot tell (a slow stream), else whether the first member is one of FilterLogEvents' output.</summary>
    static bool? IsEventsDocument(ReadOnlySpan<byte> start, bool ended)
    {
        var reader = new Utf8JsonReader(start, isFinalBlock: ended, default);
        try
        {
            if (!reader.Read())
                return ended || start.Length >= MaxMessageBytes ? false : null;
            if (reader.TokenType != JsonTokenType.StartObject)
                return false;
            if (!reader.Read())
                return ended || start.Length >= MaxMessageBytes ? false : null;
            return reader.TokenType == JsonTokenType.PropertyName && EventsMembers.Contains(reader.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static async IAsyncEnumerable<LogMessage> ReadLinesAsync(Buffer buffer, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long number = 0;
        var discarding = false;
        while (true)
        {
            var newline = buffer.Span.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (buffer.Ended)
                {
                    if (buffer.Length > 0 || discarding)
                        yield return new(++number, discarding ? null : Decode(buffer.Span), null);
                    yield break;
                }
                if (buffer.Length >= MaxMessageBytes)
                {
                    // Too long to be one of the function's lines: drop it as it streams past, count it once.
                    discarding = true;
                    buffer.Consume(buffer.Length);
                }
                await buffer.FillAsync(cancellationToken);
                continue;
            }
            var line = buffer.Span[..newline];
            if (!discarding && line.Length > MaxMessageBytes)
                discarding = true;
            var text = discarding ? null : Decode(line);
            buffer.Consume(newline + 1);
            discarding = false;
            number++;
            if (text is null || text.Trim().Length > 0)
                yield return new(number, text, null);
        }
    }

    static string Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\r')
            line = line[..^1];
        if (line.StartsWith("\uFEFF"u8))
            line = line[3..];
        return Encoding.UTF8.GetString(line);
    }

    static async IAsyncEnumerable<LogMessage> ReadEventsAsync(Buffer buffer, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var walker = new EventsWalker();
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 });
        var ready = new List<LogMessage>();
        while (true)
        {
            var consumed = walker.Walk(buffer.Span, buffer.Ended, ref state, ready);
            buffer.Consume(consumed);
            foreach (var message in ready)
                yield return message;
            ready.Clear();
            if (buffer.Ended)
                yield break;
            if (consumed == 0 && buffer.Length >= MaxTokenBytes)
                throw new FormatException($"A JSON token of the events document is longer than {MaxTokenBytes} bytes.");
            await buffer.FillAsync(cancellationToken);
        }
    }

    /// <summary>Picks <c>events[].message</c> and <c>events[].timestamp</c> out of the token stream; everything else is passed over.</summary>
    sealed class EventsWalker
    {
        bool inEvents;
        bool inEvent;
        string? field;
        string? message;
        long? timestamp;
        bool tooLong;
        long number;

        public int Walk(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, List<LogMessage> ready)
        {
            var reader = new Utf8JsonReader(data, final, state);
            try
            {
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                            inEvents = reader.ValueTextEquals("events"u8);
                            break;
                        case JsonTokenType.StartObject when inEvents && reader.CurrentDepth == 2:
                            (inEvent, message, timestamp, tooLong, field) = (true, null, null, false, null);
                            break;
                        case JsonTokenType.PropertyName when inEvent && reader.CurrentDepth == 3:
                            field = reader.GetString();
                            break;
                        case JsonTokenType.String when inEvent && reader.CurrentDepth == 3 && field == "message":
                            if (reader.ValueSpan.Length > MaxMessageBytes)
                                tooLong = true;
                            else
                                message = reader.GetString();
                            break;
                        case JsonTokenType.Number when inEvent && reader.CurrentDepth == 3 && field == "timestamp":
                            timestamp = reader.TryGetInt64(out var ms) ? ms : null;
                            break;
                        case JsonTokenType.EndObject when inEvent && reader.CurrentDepth == 2:
                            inEvent = false;
                            ready.Add(new(++number, tooLong ? null : message ?? "", timestamp));
                            break;
                        case JsonTokenType.EndArray when reader.CurrentDepth == 1:
                            inEvents = false;
                            break;
                    }
                }
            }
            catch (JsonException e)
            {
                throw new FormatException($"The events document is not valid JSON: {e.Message}", e);
            }
            catch (InvalidOperationException)
            {
                throw new FormatException($"Event {number + 1} of the events document holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which is no text.");
            }
            state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }
    }

    /// <summary>A window on the stream: the unread bytes, refilled in chunks; grows only to hold one overlong token.</summary>
    sealed class Buffer(Stream stream)
    {
        byte[] data = new byte[ChunkBytes * 2];
        int start;
        int end;

        public bool Ended { get; private set; }

        public int Length => end - start;

        public ReadOnlySpan<byte> Span => data.AsSpan(start, end - start);

        public void Consume(int count) => start += count;

        public async Task FillAsync(CancellationToken cancellationToken)
        {
            if (Ended)
                return;
            if (start > 0)
            {
                data.AsSpan(start, end - start).CopyTo(data);
                end -= start;
                start = 0;
            }
            if (data.Length - end < ChunkBytes)
                Array.Resize(ref data, data.Length * 2);
            var read = await stream.ReadAsync(data.AsMemory(end, Math.Min(ChunkBytes, data.Length - end)), cancellationToken);
            if (read == 0)
                Ended = true;
            end += read;
        }
    }
}
