namespace EdgeAllowlist.Api.Features.Health.Live;

/// <summary>The process is up; says nothing about its dependencies (that is /readyz).</summary>
sealed class Endpoint : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/healthz");
        RoutePrefixOverride(string.Empty);
        AllowAnonymous();
        Summary(s => s.Summary = "Liveness: the process answers.");
    }

    public override Task HandleAsync(CancellationToken ct) => Send.OkAsync(new("ok"), ct);
}

sealed record Response(string Status);
