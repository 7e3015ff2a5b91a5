using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.DesiredState.Export;

sealed class Endpoint(DesiredStateService desiredState) : EndpointWithoutRequest<DesiredStateDocument>
{
    public override void Configure()
    {
        Get("/desired-state");
        Permissions(ApiScopes.RulesRead);
        Summary(s =>
        {
            s.Summary = "The rules as a desired-state document: origins (expiry, note), User-Agent rules, settings, partners with scope.";
            s.Description = "Secrets are not desired state and never appear: they are issued, shown once and rotated. Plan or apply the document (edited) to change the rules.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(await desiredState.ExportAsync(ct), ct);
}
