using EdgeAllowlist.Api.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Tests.Secrets;

public sealed class SecretSettingsTests
{
    sealed class MisconfiguredHost(string key, string value) : ApiHost(null, new Dictionary<string, string?> { [key] = value });

    [Theory]
    [InlineData("Secrets:SweepInterval", "00:00:00")]
    [InlineData("Secrets:DefaultGrace", "-01:00:00")]
    [InlineData("Secrets:DefaultGrace", "31.00:00:00")]
    [InlineData("Secrets:DistributionDomain", "https://d111111abcdef8.cloudfront.net/")]
    public async Task The_service_refuses_to_start_with_a_secret_setting_it_cannot_use(string key, string value)
    {
        var host = new MisconfiguredHost(key, value);
        try
        {
            var error = await Should.ThrowAsync<OptionsValidationException>(host.InitializeAsync);
            error.Message.ShouldContain("Secrets:");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
