namespace EdgeAllowlist.Api.Infrastructure.Outages;

/// <summary>A dependency this request needs (<see cref="Dependency"/>: "database" or "store") is not available now; answered 503 with Retry-After.</summary>
public sealed class DependencyUnavailableException(string dependency, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public const string Database = "database";
    public const string Store = "store";

    public string Dependency { get; } = dependency;
}
