using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Settings.Get;

sealed class Endpoint(StoreWriter writer) : EndpointWithoutRequest<EdgePolicy>
{
    public override void Configure()
    {
        Get("/settings");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "The policy the function applies (the cfg key).");
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.OkAsync(EdgePolicy.From((await writer.GetStateAsync(ct)).Items.GetValueOrDefault(KvsLayout.ConfigKey)), ct);
}
