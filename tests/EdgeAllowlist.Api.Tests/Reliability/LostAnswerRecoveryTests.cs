extern alias emulator;
using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;
using emulator::EdgeAllowlist.Emulator;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// A write the store applied but whose answer never arrived (500 after the apply, connection dropped
/// after the apply) must be completed and audited for its requester, not left to the next re-read
/// to record as an anonymous external change — nor refused on the retry because it already happened.
/// </summary>
public sealed class LostAnswerRecoveryTests(EmulatorApiHost host) : IClassFixture<EmulatorApiHost>
{
    [Fact]
    public async Task An_origin_add_answered_with_a_500_after_the_store_applied_it_succeeds_and_is_audited_once_for_its_requester()
    {
        using var admin = host.Api.Admin();
        var response = await WithFaultAsync(new() { FailAfterApplyRate = 1 }, () => admin.PostJsonAsync("/v1/origins", new { origin = "https://lost-answer.example" }));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        await ShouldBeAuditedOnceForTheRequesterAsync(admin, "origin.add", "https://lost-answer.example", "o:https://lost-answer.example");
    }

    [Fact]
    public async Task An_origin_delete_whose_connection_dropped_after_the_store_applied_it_answers_204_not_404()
    {
        using var admin = host.Api.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://dropped-delete.example" })).EnsureSuccessStatusCode();

        var response = await WithFaultAsync(new() { DropConnectionAfterApplyRate = 1 }, () => admin.DeleteAsync("/v1/origins/https://dropped-delete.example?force=true"));

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
        (await host.Api.Service<IKeyValueStore>().GetAsync("o:https://dropped-delete.example")).ShouldBeNull();
        await ShouldBeAuditedOnceForTheRequesterAsync(admin, "origin.delete", "https://dropped-delete.example", "o:https://dropped-delete.example");
    }

    [Fact]
    public async Task A_secret_created_through_a_lost_answer_exists_once_and_is_audited_for_its_requester()
    {
        using var admin = host.Api.Admin();
        (await admin.PostJsonAsync("/v1/partners", new { id = "lost-answer-partner", scope = "manifests" })).EnsureSuccessStatusCode();

        var response = await WithFaultAsync(new() { FailAfterApplyRate = 1 },
            () => admin.PostJsonAsync("/v1/partners/lost-answer-partner/secrets", new { distributionDomain = MutationWorkload.DistributionDomain }, "lost-answer-secret"));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.JsonAsync())["id"]!.GetValue<string>();
        var stored = (await host.Api.Service<IKeyValueStore>().ListAllAsync()).Values.Where(v => v.Contains("\"p\":\"lost-answer-partner\"", StringComparison.Ordinal)).ToList();
        stored.ShouldHaveSingleItem().ShouldContain(id);
        var entries = await AuditAsync(admin, "secret.create", $"lost-answer-partner/{id}");
        entries.ShouldHaveSingleItem()!["actor"]!.GetValue<string>().ShouldBe(BootstrapToken.Name);
        (await AuditAsync(admin, InvariantCheck.ExternalChange, null)).ShouldBeEmpty();
    }

    async Task<HttpResponseMessage> WithFaultAsync(FaultSettings faults, Func<Task<HttpResponseMessage>> call)
    {
        await host.SetFaultsAsync(faults);
        try
        {
            return await call();
        }
        finally
        {
            await host.SetFaultsAsync(new FaultSettings());
        }
    }

    static async Task ShouldBeAuditedOnceForTheRequesterAsync(HttpClient admin, string action, string target, string key)
    {
        var entry = (await AuditAsync(admin, action, target)).ShouldHaveSingleItem()!;
        entry["actor"]!.GetValue<string>().ShouldBe(BootstrapToken.Name);
        entry["detail"]!.GetValue<string>().ShouldContain(InvariantCheck.RecoveryDetailPrefix);
        (await AuditAsync(admin, InvariantCheck.ExternalChange, key)).ShouldBeEmpty();
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    static async Task<JsonArray> AuditAsync(HttpClient admin, string action, string? target) =>
        (await admin.GetJsonAsync($"/v1/audit?action={Uri.EscapeDataString(action)}" + (target is null ? "" : $"&target={Uri.EscapeDataString(target)}")))["items"]!.AsArray();
}
