using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Reliability;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Store;

/// <summary>
/// The API as a real process with no <c>Kvs:EndpointOverride</c>: <c>AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE</c>,
/// as every AWS SDK reads it, sends the KVS calls to the emulator; without it they would go to AWS.
/// </summary>
[Trait("Category", "Slow")]
public sealed class EndpointVariableTests
{
    [Fact]
    public async Task The_service_endpoint_variable_points_the_api_at_the_store()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var data = Directory.CreateTempSubdirectory("ea-endpoint-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(emulator.Address, data, token);
        settings["Kvs:EndpointOverride"] = "";
        settings["AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE"] = emulator.Address.ToString();

        await using var api = await ApiProcess.StartAsync(settings, readyWithin: TimeSpan.FromMinutes(3));
        using var admin = api.Client(token);
        using var added = await admin.PostJsonAsync("/v1/origins", new { origin = "https://endpoint-variable.example.com" });

        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        using var store = ApiSettings.StoreClient(emulator.Address);
        (await store.GetAsync("o:https://endpoint-variable.example.com")).ShouldNotBeNull();
    }
}
