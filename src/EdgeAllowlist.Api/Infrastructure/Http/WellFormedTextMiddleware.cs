using System.Text;
using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Errors;

namespace EdgeAllowlist.Api.Infrastructure.Http;

/// <summary>
/// Refuses, with one 400 naming the field, a JSON body whose escapes spell a lone UTF-16 surrogate
/// (<c>"\ud800"</c>) in any string or member name. Such text is valid JSON but no string: every later
/// reader (the binder, the secret scan, a validator, the audit trail) would throw on it, each in its own
/// way, so it is stopped here once, before any of them, for every route that takes JSON.
/// </summary>
public sealed class WellFormedTextMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength == 0 || !request.HasJsonContentType()
            || context.GetEndpoint()?.Metadata.GetMetadata<StreamedUpload>() is not null)
        {
            await next(context);
            return;
        }
        request.EnableBuffering();
        byte[] body;
        using (var copy = new MemoryStream())
        {
            await request.Body.CopyToAsync(copy, context.RequestAborted);
            body = copy.ToArray();
        }
        request.Body.Position = 0;
        if (LoneSurrogate(body) is { } field)
        {
            await Problems.WriteAsync(context, new(StatusCodes.Status400BadRequest,
                $"{field} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which is no text; send well-formed Unicode. Nothing was done.", field));
            return;
        }
        await next(context);
    }

    /// <summary>
    /// The path (<c>origins[2].note</c>; <c>body</c> for the document itself) of the first string or
    /// member name that unescapes to a lone surrogate; null when there is none or the body is not
    /// JSON at all (the binder answers that with its own 400).
    /// </summary>
    public static string? LoneSurrogate(ReadOnlySpan<byte> json)
    {
        // Only an escape can spell a surrogate (raw UTF-8 cannot), so most bodies are passed over at memchr speed.
        if (json.IndexOf("\\u"u8) < 0)
            return null;
        var reader = new Utf8JsonReader(json);
        var path = new List<(bool IsArray, int Index, string? Member)>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray) && path.Count > 0 && path[^1].IsArray)
                    path[^1] = path[^1] with { Index = path[^1].Index + 1 };
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        path.Add((reader.TokenType == JsonTokenType.StartArray, -1, null));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        if (!TryRead(ref reader, out var name))
                        {
                            path[^1] = path[^1] with { Member = null }; // the name itself is unreadable: name the object holding it
                            return Describe(path);
                        }
                        path[^1] = path[^1] with { Member = name };
                        break;
                    case JsonTokenType.String when !TryRead(ref reader, out _):
                        return Describe(path);
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    static bool TryRead(ref Utf8JsonReader reader, out string? text)
    {
        text = null;
        try
        {
            text = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // System.Text.Json's answer to an escape that is not UTF-16
        }
    }

    static string Describe(List<(bool IsArray, int Index, string? Member)> path)
    {
        var text = new StringBuilder();
        foreach (var (isArray, index, member) in path)
        {
            if (isArray && index >= 0)
                text.Append('[').Append(index).Append(']');
            else if (!isArray && member is not null)
                text.Append(text.Length == 0 ? "" : ".").Append(member);
        }
        return text.Length == 0 ? StrictJson.BodyField : text.ToString();
    }
}
