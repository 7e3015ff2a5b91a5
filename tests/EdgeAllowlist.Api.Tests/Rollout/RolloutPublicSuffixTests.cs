using System.Net;
using System.Text;
using EdgeAllowlist.Api.Features.Origins;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Rules.Origins;

namespace EdgeAllowlist.Api.Tests.Rollout;

/// <summary>The list in force: its date in /v1/status, and no wildcard suggested over a public suffix of either section.</summary>
public sealed class RolloutPublicSuffixTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    [Fact]
    public async Task Status_shows_the_date_of_the_public_suffix_list_in_force()
    {
        using var admin = host.Admin();
        var status = await admin.GetJsonAsync("/v1/status");

        status["publicSuffixListDate"]!.GetValue<string>().ShouldBe(PublicSuffixList.Embedded.ListDate!.Value.ToString("yyyy-MM-dd"));
    }

    [Theory]
    [InlineData("ngrok-free.app")]
    [InlineData("lovable.app")]
    [InlineData("val.run")]
    [InlineData("github.io")]
    [InlineData("co.uk")]
    public async Task Three_sites_under_a_public_suffix_get_no_wildcard_over_it_while_three_under_a_domain_do(string suffix)
    {
        using var admin = host.Admin();
        var lines = new[] { "alpha", "beta", "gamma" }
            .SelectMany(name => new[] { $"https://{name}.{suffix}", $"https://{name}.owned-{suffix.Replace('.', '-')}.example.com" })
            .Select(origin => RolloutBoundsTests.Line(origin: origin));

        var response = await admin.PostAsync("/v1/rollout/analyze", new StringContent(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/x-ndjson"));
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldNotContain($"*.{suffix}\"");
        body.ShouldContain($"https://*.owned-{suffix.Replace('.', '-')}.example.com");
    }
}
