using System.CommandLine;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Store;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Store;

/// <summary><c>store create</c> and <c>store describe</c>: the KeyValueStore through the CloudFront control plane.</summary>
static class StoreCommands
{
    static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var name = new Option<string>("--name", "-n") { Description = "KeyValueStore name ([a-zA-Z0-9-_]{1,64})", Required = true };
        name.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !CloudFrontNames.IsValid(value))
                result.AddError("--name must match [a-zA-Z0-9-_]{1,64}.");
        });
        var comment = new Option<string?>("--comment") { Description = "Comment (at most 128 characters)" };
        comment.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { Length: > 128 })
                result.AddError("--comment is longer than 128 characters.");
        });

        var importSource = new Option<string?>("--import-source-arn")
        {
            Description = "S3 object to load the store from, in CloudFront's import format (e.g. function/events/_kvs.json for a stage store): arn:aws:s3:::bucket/key",
        };
        importSource.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } arn && Arn.TryParse(arn) is not { IsS3Object: true })
                result.AddError("--import-source-arn must be an S3 object ARN (arn:aws:s3:::bucket/key).");
        });
        var wait = new Option<int>("--wait")
        {
            Description = "Seconds to wait for the store to leave PROVISIONING (0: do not wait)",
            DefaultValueFactory = _ => 0,
        };

        var create = new Command("create", "Create a KeyValueStore (CreateKeyValueStore) and print its ARN") { name, comment, importSource, wait, options.CloudFrontEndpoint };
        create.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            var cloudFront = await options.CloudFrontAsync(parse);
            var storeName = parse.GetRequiredValue(name);
            var created = await cloudFront.CreateKeyValueStoreAsync(storeName, parse.GetValue(comment), parse.GetValue(importSource), cancellationToken);
            var deadline = environment.Clock.GetUtcNow().AddSeconds(parse.GetValue(wait));
            while (created.KeyValueStore.Status == CloudFrontClient.StoreProvisioning && environment.Clock.GetUtcNow() < deadline)
            {
                created = await cloudFront.DescribeKeyValueStoreAsync(storeName, cancellationToken);
                if (created.KeyValueStore.Status == CloudFrontClient.StoreProvisioning)
                    await Task.Delay(PollInterval, environment.Clock, cancellationToken);
            }
            Show(output, created, "created");
            if (parse.GetValue(wait) == 0 || created.KeyValueStore.Status == CloudFrontClient.StoreReady)
                return ExitCodes.Ok;
            output.Progress($"[red]not ready[/] {Markup.Escape(storeName)} is {Markup.Escape(created.KeyValueStore.Status ?? "?")}: "
                + (created.KeyValueStore.Status == CloudFrontClient.StoreProvisioning ? "wait longer with store describe." : "check the import file and the store in the console."));
            return ExitCodes.ServiceError;
        });

        var describe = new Command("describe", "Show a KeyValueStore (DescribeKeyValueStore): ARN, status, ETag") { name, options.CloudFrontEndpoint };
        describe.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            var cloudFront = await options.CloudFrontAsync(parse);
            Show(output, await cloudFront.DescribeKeyValueStoreAsync(parse.GetRequiredValue(name), cancellationToken), null);
            return ExitCodes.Ok;
        });

        return new Command("store", "The CloudFront KeyValueStore that holds the rules") { create, describe };
    }

    static void Show(CommandOutput output, KeyValueStoreResult result, string? action)
    {
        var store = result.KeyValueStore;
        output.Result(new { store.Name, store.Id, store.Arn, store.Status, store.Comment, store.LastModifiedTime, result.ETag, action }, console =>
        {
            if (action is not null)
                console.MarkupLine($"[green]{action}[/] key value store [bold]{Markup.Escape(store.Name)}[/]");
            var table = new Table().HideHeaders().AddColumn("field").AddColumn("value");
            table.AddRow("Name", Markup.Escape(store.Name));
            table.AddRow("ARN", Markup.Escape(store.Arn));
            table.AddRow("Id", Markup.Escape(store.Id));
            table.AddRow("Status", Markup.Escape(store.Status ?? ""));
            table.AddRow("Comment", Markup.Escape(store.Comment));
            table.AddRow("Last modified", store.LastModifiedTime.ToString("u"));
            table.AddRow("ETag", Markup.Escape(result.ETag ?? ""));
            console.Write(table);
        });
    }
}
