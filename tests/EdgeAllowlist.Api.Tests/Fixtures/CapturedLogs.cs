using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeAllowlist.Api.Tests.Fixtures;

/// <summary>Every log line the host writes, formatted with its scopes and exception, for "never logged" checks.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    readonly ConcurrentQueue<string> lines = new();
    IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => lines;

    public string All => string.Join('\n', lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopeText = new List<string>();
            owner.scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopeText);
            owner.lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {exception} [{string.Join(" | ", scopeText)}] {state}");
        }
    }
}
