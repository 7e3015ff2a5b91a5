using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Api.Tests.Writer;

public sealed class RestartTests : IDisposable
{
    readonly string data = Directory.CreateTempSubdirectory("ea-restart-").FullName;
    readonly string token = ApiTokenStore.NewToken();

    [Fact]
    public async Task After_a_restart_rules_tokens_and_the_chain_are_intact_and_edits_made_while_down_are_recorded()
    {
        var first = new RestartableApiHost(data, token);
        await first.InitializeAsync();
        using (var admin = first.Admin())
            (await admin.PostJsonAsync("/v1/origins", new { origin = "https://before-restart.example.com" })).EnsureSuccessStatusCode();
        await first.DisposeAsync();

        // Someone edits the store while the service is down.
        await using (var store = await OpenWhenReleasedAsync(Path.Combine(data, "kvs")))
            await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("o:https://while-down.example.com", "{}")], []);

        var second = new RestartableApiHost(data, token);
        await second.InitializeAsync();
        try
        {
            using var admin = second.Admin();
            (await admin.GetJsonAsync("/v1/origins/https://before-restart.example.com"))["origin"]!.GetValue<string>().ShouldBe("https://before-restart.example.com");
            var external = await admin.GetJsonAsync("/v1/audit?action=kvs.external-change");
            external["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>()).ShouldBe(["https://while-down.example.com"]);
            (await admin.GetJsonAsync("/v1/audit?action=settings.initialize"))["items"]!.AsArray().ShouldHaveSingleItem();
            (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    /// <summary>
    /// The in-process host releases the store's lock as its container is disposed, which can trail
    /// the factory's dispose by a moment; a separate process (production) holds no such lock after exit.
    /// </summary>
    [Fact]
    public async Task Notes_kept_in_memory_follow_every_change_and_come_back_from_the_database_after_a_restart()
    {
        const string origin = "https://noted.restart.example";
        var first = new RestartableApiHost(data, token);
        await first.InitializeAsync();
        using (var admin = first.Admin())
        {
            (await admin.PostJsonAsync("/v1/origins", new { origin, note = "first" })).EnsureSuccessStatusCode();
            (await NoteOnPageAsync(admin, origin)).ShouldBe("first");
            (await admin.SendJsonAsync(HttpMethod.Patch, $"/v1/origins/{origin}", new { note = "second" })).EnsureSuccessStatusCode();
            (await NoteOnPageAsync(admin, origin)).ShouldBe("second");
            (await admin.SendJsonAsync(HttpMethod.Patch, $"/v1/origins/{origin}", new { note = "" })).EnsureSuccessStatusCode();
            (await NoteOnPageAsync(admin, origin)).ShouldBeNull();
            (await admin.SendJsonAsync(HttpMethod.Patch, $"/v1/origins/{origin}", new { note = "kept" })).EnsureSuccessStatusCode();
        }
        await first.DisposeAsync();
        await (await OpenWhenReleasedAsync(Path.Combine(data, "kvs"))).DisposeAsync();

        var second = new RestartableApiHost(data, token);
        await second.InitializeAsync();
        try
        {
            using var admin = second.Admin();
            (await NoteOnPageAsync(admin, origin)).ShouldBe("kept");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    static async Task<string?> NoteOnPageAsync(HttpClient admin, string origin) =>
        (await admin.GetJsonAsync("/v1/origins?limit=1000"))["items"]!.AsArray().Single(o => o!["origin"]!.GetValue<string>() == origin)!["note"]?.GetValue<string>();

    static async Task<LocalKeyValueStore> OpenWhenReleasedAsync(string folder)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                return LocalKeyValueStore.Open(folder);
            }
            catch (IOException) when (tries < 100)
            {
                await Task.Delay(50);
            }
        }
    }

    public void Dispose() => Directory.Delete(data, recursive: true);
}
