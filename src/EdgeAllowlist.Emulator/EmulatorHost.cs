using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Emulator;

/// <summary>
/// Builds the emulator: the KVS data plane under <c>/key-value-stores/</c> (any Host, since SDKs put the
/// account id in front of the host), <c>/healthz</c>, and, only with <see cref="EmulatorOptions.EnableAdminEndpoints"/>,
/// a small unsigned admin API under <c>/_emulator/</c>.
/// Tests start it in-process: <c>Create(["--urls", "http://127.0.0.1:0"], o => ...)</c>, then <c>StartAsync</c>.
/// </summary>
public static class EmulatorHost
{
    public static WebApplication Create(string[] args, Action<EmulatorOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = builder.Configuration.GetSection(EmulatorOptions.SectionName).Get<EmulatorOptions>() ?? new();
        configure?.Invoke(options);
        var problem = options.Faults.Problem();
        if (problem is not null) throw new OptionsValidationException(EmulatorOptions.SectionName, typeof(EmulatorOptions), [$"Faults: {problem}"]);

        var secrets = options.Credentials
            .Where(c => c.AccessKeyId.Length > 0 && c.SecretAccessKey.Length > 0)
            .ToDictionary(c => c.AccessKeyId, c => c.SecretAccessKey, StringComparer.Ordinal);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StoreRegistry>();
        builder.Services.AddSingleton(new FaultInjector(options.Faults));
        builder.Services.AddSingleton(new SigV4aVerifier(secrets.GetValueOrDefault, TimeProvider.System, "cloudfront-keyvaluestore"));
        builder.Services.AddSingleton<KvsProtocol>();

        var app = builder.Build();

        // Opened now, so a bad ARN or a locked folder stops the start instead of the first request.
        var stores = app.Services.GetRequiredService<StoreRegistry>();
        var protocol = app.Services.GetRequiredService<KvsProtocol>();

        app.Use((context, next) => context.Request.Path.StartsWithSegments("/key-value-stores")
            ? protocol.HandleAsync(context)
            : next(context));

        app.MapGet("/healthz", () => Results.Text("ok"));

        if (!options.EnableAdminEndpoints)
        {
            app.Map("/_emulator/{**rest}", () => Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "The emulator's admin endpoints are off",
                detail: $"Set {EmulatorOptions.SectionName}:{nameof(EmulatorOptions.EnableAdminEndpoints)}=true to serve /_emulator/* (docker compose: add -f docker-compose.dev.yml)."));
            return app;
        }

        var admin = app.MapGroup("/_emulator");
        admin.MapGet("/faults", (FaultInjector faults) => faults.Current);
        admin.MapPut("/faults", (FaultSettings settings, FaultInjector faults) =>
        {
            if (settings.Problem() is { } problem) return Results.ValidationProblem(new Dictionary<string, string[]> { ["Faults"] = [problem] });
            faults.Set(settings);
            return Results.Ok(settings);
        });
        admin.MapGet("/stores", () => stores.Arns);
        admin.MapPost("/stores", (CreateStoreRequest? request) =>
        {
            var arn = request?.Arn ?? LocalKeyValueStore.NewArn(request?.AccountId ?? LocalKeyValueStore.DefaultAccountId);
            try
            {
                return Results.Ok(new CreateStoreResponse(stores.GetOrCreate(arn).Arn));
            }
            catch (ArgumentException e)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["Arn"] = [e.Message] });
            }
        });

        return app;
    }

    /// <summary>Where a started host listens; with port 0 this is the port the system chose.</summary>
    public static Uri ListeningAddress(WebApplication app) => new(app.Urls.First());
}

public sealed record CreateStoreRequest(string? Arn, string? AccountId);

public sealed record CreateStoreResponse(string KvsARN);
