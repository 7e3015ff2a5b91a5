using System.Text;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Cli.Commands.Function;

public sealed record DeploySettings(
    string FunctionName,
    string Comment,
    byte[] Code,
    string KvsArn,
    IReadOnlyList<EventCase> Cases,
    int MaxComputeUtilization,
    bool Publish);

public sealed record DeploymentReport(
    string Function,
    string Action,
    string KvsArn,
    string DevelopmentETag,
    IReadOnlyList<CaseResult> Cases,
    IReadOnlyList<string> Skipped,
    bool Published,
    string? FunctionArn,
    string? Problem)
{
    public bool TestsPassed => Cases.All(result => result.Passed);
}

/// <summary>
/// Create or update the function with its KeyValueStore association, test every case against the
/// DEVELOPMENT stage, and publish only what was tested. Every If-Match is the DEVELOPMENT-stage ETag
/// read back with DescribeFunction (platform-facts §4, ETag traps).
/// </summary>
sealed class FunctionDeployment(CloudFrontClient cloudFront, Action<string> progress)
{
    public async Task<DeploymentReport> RunAsync(DeploySettings settings, CancellationToken cancellationToken)
    {
        var name = settings.FunctionName;
        // UpdateFunction replaces the whole config: the association must be in every write or it is dropped.
        var config = new FunctionConfig(settings.Comment, FunctionConfig.JavaScript2, [settings.KvsArn]);

        var existing = await cloudFront.TryDescribeFunctionAsync(name, FunctionStage.Development, cancellationToken);
        string action;
        if (existing is null)
        {
            await cloudFront.CreateFunctionAsync(name, config, settings.Code, cancellationToken);
            action = "created";
        }
        else
        {
            await cloudFront.UpdateFunctionAsync(name, RequireETag(existing), config, settings.Code, cancellationToken);
            action = "updated";
        }
        progress($"{action} function {name} (DEVELOPMENT) with store {settings.KvsArn}");

        // Not the ETag UpdateFunction answered with: the model misspells its header (ETtag).
        var development = await cloudFront.DescribeFunctionAsync(name, FunctionStage.Development, cancellationToken);
        var etag = RequireETag(development);
        var report = new DeploymentReport(name, action, settings.KvsArn, etag, [], settings.Cases.Where(c => !c.UsesFixtureUnchanged).Select(c => c.Name).ToList(),
            false, development.FunctionSummary.FunctionMetadata.FunctionArn, null);
        if (!development.FunctionSummary.FunctionConfig.KeyValueStoreArns.Contains(settings.KvsArn))
            return report with { Problem = "CloudFront did not keep the KeyValueStore association." };

        var results = new List<CaseResult>();
        foreach (var eventCase in settings.Cases.Where(c => c.UsesFixtureUnchanged))
        {
            var eventObject = Encoding.UTF8.GetBytes(eventCase.Event.ToJsonString());
            var result = await cloudFront.TestFunctionAsync(name, etag, FunctionStage.Development, eventObject, cancellationToken);
            var verdict = CaseResult.Judge(eventCase, result, settings.MaxComputeUtilization);
            results.Add(verdict);
            progress($"{(verdict.Passed ? "passed" : "FAILED")} {eventCase.Name}: {verdict.Actual}, compute {verdict.ComputeUtilization?.ToString() ?? "?"}");
        }
        report = report with { Cases = results };
        if (!report.TestsPassed || !settings.Publish)
            return report;

        var published = await PublishTestedAsync(name, etag, settings, cancellationToken);
        if (published is null)
            return report with { Problem = "The function changed after it was tested (its DEVELOPMENT ETag moved); nothing was published. Deploy again." };
        progress($"published {name} to LIVE");
        report = report with { Published = true, FunctionArn = published.FunctionMetadata.FunctionArn };
        return published.FunctionConfig.KeyValueStoreArns.Contains(settings.KvsArn)
            ? report
            : report with { Problem = "The LIVE function has no association with the KeyValueStore." };
    }

    /// <summary>
    /// Publishes the tested DEVELOPMENT version. PublishFunction has answered 412 to an ETag that
    /// UpdateFunction had just accepted, so a 412 is retried once, but only while the DEVELOPMENT ETag
    /// is still the tested one: anything else would publish code no case has run against.
    /// </summary>
    async Task<FunctionSummary?> PublishTestedAsync(string name, string testedETag, DeploySettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await cloudFront.PublishFunctionAsync(name, testedETag, cancellationToken);
        }
        catch (CloudFrontException error) when (error.Kind == CloudFrontErrorKind.PreconditionFailed)
        {
            var current = await cloudFront.DescribeFunctionAsync(name, FunctionStage.Development, cancellationToken);
            return current.ETag == testedETag ? await cloudFront.PublishFunctionAsync(name, testedETag, cancellationToken) : null;
        }
        catch (CloudFrontException error) when (error.IsRetryable)
        {
            // A 5xx or a lost answer says nothing about LIVE: the publish may have gone through. LIVE holding
            // the tested code and store says it did; anything else is the failure it looks like.
            if (await LiveHoldsAsync(name, settings, cancellationToken) is not { } live)
                throw;
            progress($"PublishFunction answered {error.ErrorCode}, but LIVE holds the tested code and store: published");
            return live;
        }
    }

    async Task<FunctionSummary?> LiveHoldsAsync(string name, DeploySettings settings, CancellationToken cancellationToken)
    {
        if (await cloudFront.TryDescribeFunctionAsync(name, FunctionStage.Live, cancellationToken) is not { } live
            || !live.FunctionSummary.FunctionConfig.KeyValueStoreArns.Contains(settings.KvsArn))
            return null;
        var code = await cloudFront.GetFunctionAsync(name, FunctionStage.Live, cancellationToken);
        return code.FunctionCode.AsSpan().SequenceEqual(settings.Code) ? live.FunctionSummary : null;
    }

    static string RequireETag(FunctionResult result) =>
        result.ETag ?? throw new FormatException($"DescribeFunction for {result.FunctionSummary.Name} answered without an ETag header.");
}
