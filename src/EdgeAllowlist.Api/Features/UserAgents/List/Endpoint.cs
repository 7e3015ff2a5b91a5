using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.UserAgents.List;

sealed class Endpoint(StoreWriter writer) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/user-agents");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "The allow and deny User-Agent patterns, and the shards they are packed into.");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var state = await writer.GetStateAsync(ct);
        var rules = UserAgentRules.Read(state.Items);
        var shards = UserAgentRules.ShardCount(state.Items);
        var bytes = Enumerable.Range(0, shards).Sum(n => KvsLimits.ByteCount(state.Items[KvsLayout.UserAgentShardKey(n)]));
        await Send.OkAsync(new(
            [.. rules.Where(r => r.List == UserAgentRule.Allow)],
            [.. rules.Where(r => r.List == UserAgentRule.Deny)],
            shards, bytes, KvsLayout.MaxUserAgentShards * KvsLimits.MaxValueBytes), ct);
    }
}

/// <param name="Bytes">What the shards take now; <paramref name="MaxBytes"/> is the ceiling (8 shards of 1 KB, less the JSON around the patterns).</param>
sealed record Response(IReadOnlyList<UserAgentRule> Allow, IReadOnlyList<UserAgentRule> Deny, int Shards, int Bytes, int MaxBytes);
