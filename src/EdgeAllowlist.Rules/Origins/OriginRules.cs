namespace EdgeAllowlist.Rules.Origins;

/// <summary>The field rules of an allowed origin and its note, for the origin routes, the desired-state document and the CLI alike.</summary>
public static class OriginRules
{
    public const int MaxNoteLength = 500;

    public const string NoteMessage = "note must be at most 500 characters without control characters.";

    /// <summary>What is wrong with an origin (UTS #46, the Public Suffix List, scheme://host[:port]), to follow the field's name; null when it is fine.</summary>
    public static string? Problem(string? origin) => OriginName.TryNormalize(origin, out _, out var error) ? null : error;

    /// <summary>The message for a bad origin, named as the field is shown (<c>Origin is required.</c>).</summary>
    public static string Message(string name, string problem) => $"{name} {problem}";

    public static bool IsValidNote(string? note) => note is null || note.Length <= MaxNoteLength && !note.Any(char.IsControl);

    /// <summary>An origin entry (<c>origin</c>, <c>note</c>) as the single-origin route and a document check it.</summary>
    public static IEnumerable<FieldError> Check(string? origin, string? note)
    {
        if (Problem(origin) is { } problem)
            yield return new("origin", Message("Origin", problem));
        if (!IsValidNote(note))
            yield return new("note", NoteMessage);
    }

    /// <summary>The origin as the store keys it; call only on a checked origin.</summary>
    public static string Normalize(string origin) =>
        OriginName.TryNormalize(origin, out var normalized, out _) ? normalized : throw new ArgumentException("not validated", nameof(origin));
}
