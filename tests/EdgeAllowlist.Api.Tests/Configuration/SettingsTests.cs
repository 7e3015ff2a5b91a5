using EdgeAllowlist.Api.Infrastructure.Configuration;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Reliability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Api.Tests.Configuration;

/// <summary>Every section is bound once and checked at start: a value the service cannot use stops it, naming the key and the rule.</summary>
public sealed class SettingsTests
{
    /// <summary>The problems the start would report for these settings, through the service's own registration and check.</summary>
    static IReadOnlyList<string>? ProblemsWith(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddSettings(configuration).BuildServiceProvider();
        return SettingsCheck.Problems(services);
    }

    [Theory]
    [InlineData("Secrets:SweepInterval", "00:00:00", "Secrets:SweepInterval must be positive")]
    [InlineData("Secrets:DefaultGrace", "-01:00:00", "Secrets:DefaultGrace must be between 0 and 30 days")]
    [InlineData("Secrets:DefaultGrace", "31.00:00:00", "Secrets:DefaultGrace must be between 0 and 30 days")]
    [InlineData("Secrets:DistributionDomain", "https://d111111abcdef8.cloudfront.net/", "Secrets:DistributionDomain must be empty or a DNS name")]
    [InlineData("Writer:MaxKeysPerBatch", "51", "Writer:MaxKeysPerBatch must be between 1 and 50")]
    [InlineData("Writer:StartWait", "-00:00:01", "Writer:StartWait must not be negative")]
    [InlineData("Writer:StorePollInterval", "00:00:00", "Writer:StorePollInterval must be positive")]
    [InlineData("Database:StartWait", "-00:00:01", "Database:StartWait must not be negative")]
    [InlineData("Database:MaxRetryBackoff", "00:00:00", "Database:MaxRetryBackoff must be positive")]
    [InlineData("Database:PoolCheckAfterQuiet", "-00:00:01", "Database:PoolCheckAfterQuiet must not be negative")]
    [InlineData("Mirror:Key", "too-short", "Mirror:Key must be at least 32 characters")]
    [InlineData("Auth:MaxFailures", "0", "Auth:MaxFailures must be at least 1")]
    [InlineData("Auth:TokenWindow", "00:00:00", "Auth:TokenWindow must be positive")]
    [InlineData("Idempotency:InProgressLease", "00:00:00", "Idempotency:InProgressLease must be positive")]
    [InlineData("Integrity:Interval", "-00:10:00", "Integrity:Interval must be positive")]
    [InlineData("DesiredState:MaxDeletions", "-1", "DesiredState:MaxDeletions must be 0 or more")]
    [InlineData("Rollout:MaxUploadBytes", "0", "Rollout:MaxUploadBytes must be at least 1")]
    [InlineData("Rollout:MaxLines", "0", "Rollout:MaxLines must be at least 1")]
    [InlineData("Rollout:MaxDuration", "00:00:00", "Rollout:MaxDuration must be positive")]
    [InlineData("Kvs:Arn", "arn:aws:s3:::bucket/key", "Kvs:Arn must be arn:aws:cloudfront::")]
    [InlineData("Kvs:EndpointOverride", "localhost:8080", "Kvs:EndpointOverride must be an http or https URL")]
    [InlineData("Kvs:MaxAttempts", "0", "Kvs:MaxAttempts must be at least 1")]
    [InlineData("Auth:MaxFailure", "5", "Auth:MaxFailure is not a setting; Auth has BootstrapToken, MaxFailures, ")]
    [InlineData("Database:ConnectionString", "Hots=db;Username=edge", "Database:ConnectionString must be an Npgsql connection string")]
    public void A_setting_the_service_cannot_use_is_named_with_its_rule(string key, string value, string expected) =>
        ProblemsWith(new Dictionary<string, string?> { [key] = value }).ShouldNotBeNull().ShouldHaveSingleItem().ShouldStartWith(expected);

    [Fact]
    public void Every_problem_is_reported_at_once_not_only_the_first()
    {
        var problems = ProblemsWith(new Dictionary<string, string?> { ["Writer:MaxKeysPerBatch"] = "0", ["Auth:MaxFailures"] = "0", ["Auth:TokenWindow"] = "00:00:00" }).ShouldNotBeNull();
        problems.Count.ShouldBe(3);
    }

    [Fact]
    public void The_defaults_and_the_shipped_appsettings_are_usable()
    {
        ProblemsWith(new Dictionary<string, string?>()).ShouldBeNull();
        var shipped = new ConfigurationBuilder().AddJsonFile(Path.Combine(RepositoryPaths.Root, "src", "EdgeAllowlist.Api", "appsettings.json")).Build();
        ProblemsWith(shipped.AsEnumerable().ToDictionary(kv => kv.Key, kv => kv.Value)).ShouldBeNull();
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("Writer__MaxKeysPerBatch", "0", "Configuration: Writer:MaxKeysPerBatch must be between 1 and 50")]
    [InlineData("Kvs__Arn", "arn:aws:cloudfront:us-east-1:123456789012:key-value-store/x", "Configuration: Kvs:Arn must be arn:aws:cloudfront::")]
    // A value the binder cannot convert: its own words name the key.
    [InlineData("Integrity__Interval", "ten minutes", "Configuration: Failed to convert configuration value 'ten minutes' at 'Integrity:Interval' to type 'System.TimeSpan'")]
    // A misspelt key is not silently ignored.
    [InlineData("Writer__MaxKeysPerBach", "20", "Configuration: Writer:MaxKeysPerBach is not a setting; Writer has MaxKeysPerBatch, ")]
    public async Task The_process_stops_with_one_line_per_problem_and_exit_78(string variable, string value, string expected)
    {
        var data = Directory.CreateTempSubdirectory("ea-settings-").FullName;
        try
        {
            var (exitCode, standardError) = await ApiProcess.RunUntilExitAsync(
                new Dictionary<string, string> { ["DataDirectory"] = data, [variable] = value }, TimeSpan.FromSeconds(60));

            exitCode.ShouldBe(SettingsCheck.ExitCode);
            var line = standardError.ShouldHaveSingleItem();
            line.ShouldStartWith(expected);
            line.ShouldNotContain("   at ");
            // Refused before anything was created: no database, no store.
            Directory.EnumerateFileSystemEntries(data).ShouldBeEmpty();
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
