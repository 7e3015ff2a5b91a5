using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EdgeAllowlist.Cli.Commands;

/// <summary>Parsers and options several commands share.</summary>
static class CommandArguments
{
    public static DateTimeOffset? Timestamp(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            return value;
        result.AddError($"{text} is not an ISO 8601 time.");
        return null;
    }

    public static Option<int> Limit(int max, int fallback = 100)
    {
        var limit = new Option<int>("--limit") { Description = $"Items per page (1-{max})", DefaultValueFactory = _ => fallback };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1 || result.GetValueOrDefault<int>() > max)
                result.AddError($"--limit must be between 1 and {max}.");
        });
        return limit;
    }
}
