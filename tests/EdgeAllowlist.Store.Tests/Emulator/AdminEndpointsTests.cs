using System.Net;
using System.Net.Http.Json;
using EdgeAllowlist.Emulator;

using EdgeAllowlist.Testing.Emulator;

namespace EdgeAllowlist.Store.Tests.Emulator;

/// <summary>The unsigned /_emulator/* endpoints can fail every KVS call or create stores, so they are served only when a setting asks.</summary>
public sealed class AdminEndpointsTests
{
    static readonly string[] TestStore =
    [
        $"--Emulator:Stores:0={RunningEmulator.Arn}",
        $"--Emulator:Credentials:0:AccessKeyId={RunningEmulator.AccessKeyId}",
        $"--Emulator:Credentials:0:SecretAccessKey={RunningEmulator.SecretAccessKey}",
    ];

    [Fact]
    public async Task Without_the_setting_every_admin_endpoint_is_404_and_changes_nothing()
    {
        await using var emulator = await RunningEmulator.StartFromConfigurationAsync(TestStore);

        using var faults = await emulator.Admin.GetAsync("/_emulator/faults");
        using var setFaults = await emulator.Admin.PutAsJsonAsync("/_emulator/faults", new FaultSettings { ErrorRate = 1 });
        using var stores = await emulator.Admin.GetAsync("/_emulator/stores");
        using var createStore = await emulator.Admin.PostAsJsonAsync("/_emulator/stores", new CreateStoreRequest(null, "210987654321"));

        foreach (var response in new[] { faults, setFaults, stores, createStore })
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, response.RequestMessage!.RequestUri!.ToString());
        (await faults.Content.ReadAsStringAsync()).ShouldContain("EnableAdminEndpoints");
        // The refused fault setting did not land: signed KVS calls still succeed, and no store was added.
        using var client = emulator.Client(maxAttempts: 1);
        (await client.DescribeAsync()).KvsArn.ShouldBe(RunningEmulator.Arn);
        emulator.Registry.Arns.ShouldBe([RunningEmulator.Arn]);
    }

    [Fact]
    public async Task With_the_setting_the_admin_endpoints_answer()
    {
        await using var emulator = await RunningEmulator.StartFromConfigurationAsync([.. TestStore, "--Emulator:EnableAdminEndpoints=true"]);

        using var faults = await emulator.Admin.GetAsync("/_emulator/faults");
        faults.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await emulator.Admin.GetFromJsonAsync<string[]>("/_emulator/stores"))!.ShouldBe([RunningEmulator.Arn]);
    }

    [Fact]
    public async Task The_health_route_answers_with_or_without_the_admin_endpoints()
    {
        await using var emulator = await RunningEmulator.StartFromConfigurationAsync(TestStore);

        using var health = await emulator.Admin.GetAsync("/healthz");

        health.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
