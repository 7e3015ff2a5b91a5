using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Health;

public sealed class HealthTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_token()
    {
        using var client = host.Client();
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = await client.GetAsync("/readyz");
        var body = await ready.JsonAsync();
        ready.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        body["database"]!.GetValue<string>().ShouldBe("ok");
        body["store"]!.GetValue<string>().ShouldBe("ok");
    }

    [Fact]
    public async Task The_docs_page_and_the_openapi_document_are_anonymous()
    {
        using var client = host.Client();
        (await client.GetAsync("/docs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/swagger/v1/swagger.json")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Metrics_need_a_token_and_then_expose_the_writer_instruments()
    {
        (await host.Client().GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/tokens", new { name = "metrics-probe", scopes = new[] { "rules:read" } })).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://metrics.example.com" })).EnsureSuccessStatusCode();
        var text = await admin.GetStringAsync("/metrics");
        foreach (var name in new[] { "edge_allowlist_writes_total", "edge_allowlist_batches_total", "edge_allowlist_audit_entries_total", "edge_allowlist_audit_lag_seconds_bucket" })
            text.ShouldContain(name, customMessage: text);
    }

    [Fact]
    public async Task Log_lines_written_during_a_request_carry_its_request_id()
    {
        using var admin = host.Admin();
        var response = await admin.PostJsonAsync("/v1/origins", new { origin = "https://request-id.example.com" });
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        host.Logs.Lines.ShouldContain(line => line.Contains($"RequestId:{requestId}"));
    }
}
