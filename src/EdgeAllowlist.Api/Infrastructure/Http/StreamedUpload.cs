namespace EdgeAllowlist.Api.Infrastructure.Http;

/// <summary>Marks a route whose body is a streamed upload (log lines, not one JSON request): the JSON-only and secret-scanning middleware leave it alone.</summary>
public sealed class StreamedUpload;
