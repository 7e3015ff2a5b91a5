using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.EdgeFunction.Rollout;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeAllowlist.Api.Features.Rollout;

public sealed class RolloutOptions : Infrastructure.Configuration.ISettings
{
    public static string Section => "Rollout";

    /// <summary>
    /// Largest upload a rollout route reads (<c>Rollout:MaxUploadBytes</c>, default 256 MiB, about a
    /// million log lines as FilterLogEvents prints them); past it the answer is 413. The body is
    /// streamed, so memory does not grow with it.
    /// </summary>
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Most log lines one request reads (<c>Rollout:MaxLines</c>); past it the answer is 413.</summary>
    public long MaxLines { get; set; } = 1_000_000;

    /// <summary>
    /// Longest one request may work (<c>Rollout:MaxDuration</c>, default 60 s); past it the answer is
    /// 422: whatever the log holds, this bounds what one rules:read token can make the API spend.
    /// </summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (MaxUploadBytes < 1) yield return (nameof(MaxUploadBytes), $"must be at least 1 (got {MaxUploadBytes})");
        if (MaxLines < 1) yield return (nameof(MaxLines), $"must be at least 1 (got {MaxLines})");
        if (MaxDuration <= TimeSpan.Zero) yield return (nameof(MaxDuration), $"must be positive (got {MaxDuration})");
    }
}

static class RolloutUpload
{
    public const string TooLarge = "The upload is larger than Rollout:MaxUploadBytes ({0} bytes); analyse the logs in smaller time windows, or raise the setting.";

    /// <summary>The request body, refused with 413 up front when its declared length is over the limit, and cut off at the limit when it is not declared.</summary>
    public static Stream Body(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
            throw new ProblemException(StatusCodes.Status413PayloadTooLarge, string.Format(System.Globalization.CultureInfo.InvariantCulture, TooLarge, limit), "body");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;
        return new LimitedStream(context.Request.Body, limit);
    }

    /// <summary>
    /// The log's messages, stopped with 413 past <see cref="RolloutOptions.MaxLines"/> and with 422 once
    /// the request has worked longer than <see cref="RolloutOptions.MaxDuration"/>. Checked between
    /// lines: one line's work is bounded already (64 KB a message, 128 characters a User-Agent).
    /// </summary>
    public static async IAsyncEnumerable<LogMessage> Bounded(IAsyncEnumerable<LogMessage> messages, RolloutOptions options, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var count = 0L;
        await foreach (var message in messages.WithCancellation(ct))
        {
            if (++count > options.MaxLines)
                throw new ProblemException(StatusCodes.Status413PayloadTooLarge,
                    $"The log has more than Rollout:MaxLines ({options.MaxLines}) lines; analyse it in smaller time windows, or raise the setting.", "body");
            if (Stopwatch.GetElapsedTime(started) > options.MaxDuration)
                throw new ProblemException(StatusCodes.Status422UnprocessableEntity,
                    $"The work on this log passed Rollout:MaxDuration ({options.MaxDuration.TotalSeconds:0.###} s) at line {count}; nothing is concluded from part of a log. Analyse smaller time windows, or raise the setting.", "body");
            yield return message;
        }
    }

    /// <summary>Counts what is read and fails with 413 past the limit, whatever the server's own limit is.</summary>
    sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Count(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        int Count(int n)
        {
            read += n;
            if (read > limit)
                throw new ProblemException(StatusCodes.Status413PayloadTooLarge, string.Format(System.Globalization.CultureInfo.InvariantCulture, TooLarge, limit), "body");
            return n;
        }
    }

    /// <summary>Kestrel's own 413 when its limit trips first, and a body that is not a log, as problems.</summary>
    public static ProblemException Translate(Exception e, long limit) => e switch
    {
        ProblemException problem => problem,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new(StatusCodes.Status413PayloadTooLarge, string.Format(System.Globalization.CultureInfo.InvariantCulture, TooLarge, limit), "body"),
        FormatException format => new(StatusCodes.Status400BadRequest, format.Message, "body"),
        _ => throw e,
    };
}
