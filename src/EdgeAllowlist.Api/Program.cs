using EdgeAllowlist.Api;
using EdgeAllowlist.Api.Infrastructure.Admin;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using EdgeAllowlist.Api.WebConsole;
using FastEndpoints.Swagger;
using Scalar.AspNetCore;

var admin = AdminCommand.Parse(args);
var builder = WebApplication.CreateBuilder(admin?.HostArgs ?? args);
builder.Logging.AddStructuredJson(toStandardError: admin is not null);
builder.Services
    .AddSettings(builder.Configuration)
    .AddDatabase(builder.Configuration)
    .AddKeyValueStore(builder.Configuration)
    .AddAuditSigning(builder.Configuration)
    .AddWritePath()
    .AddPartnerSecrets()
    .AddTokenAuthentication()
    .AddObservability()
    .AddWebConsole()
    // Endpoints and validators live in this assembly only: scanning every loaded assembly (the AWS SDK,
    // Npgsql, Jint, OpenTelemetry; in a test host also the test frameworks) made each start seconds slower.
    .AddFastEndpoints(o =>
    {
        o.Assemblies = [typeof(Program).Assembly];
        o.DisableAutoDiscovery = true;
    })
    .SwaggerDocument(o =>
    {
        o.EnableJWTBearerAuth = false;
        o.DocumentSettings = OpenApiConventions.Apply;
    });

var app = builder.Build();
if (admin is not null)
    return await admin.RunAsync(app.Services);
if (await app.InitializeAsync() is var refused and not 0)
    return refused;
app.UseApiPipelineCapture()
    .UseSecurityHeaders()
    .UseDocsSecurityHeaders()
    .UseRequestIds()
    .UseOutageAnswers()
    .UseAuthentication()
    .UseConsole()
    .UseRequestLimit()
    .UseAuthorization()
    .UseRejectionAudit()
    .UseJsonBodies()
    .UseForceParameterCheck()
    .UseWellFormedText()
    .UseSecretShapedInputRefusal()
    .UseIdempotencyKeys()
    .UseFastEndpoints(c =>
    {
        c.Endpoints.RoutePrefix = "v1";
        c.Endpoints.Configurator = e => e.PostProcessor<ProblemTranslation>(Order.After);
        // Its ThrowError with a status other than 400 would otherwise carry the 400's type and title (Problems.TypeOf).
        c.Errors.UseProblemDetails(p =>
        {
            p.TypeTransformer = d => Problems.TypeOf(d.Status) ?? Problems.TypeOf(400)!;
            p.TitleTransformer = d => Problems.TitleOf(d.Status) ?? Problems.TitleOf(400)!;
        });
        c.UseStrictJson();
    })
    .UseSwaggerGen();
app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/swagger/{documentName}/swagger.json")
    .AddPreferredSecuritySchemes(OpenApiConventions.SecurityScheme)
    // Offline and to the point: no fonts from a CDN, no upsell of Scalar's own client, agent or MCP.
    // The nonce lets the page's one inline script run under the CSP (DocsSecurityHeaders) and nothing injected.
    .WithNonce()
    .DisableDefaultFonts().HideClientButton().HideDeveloperTools().DisableAgent().DisableMcp().DisableTelemetry());
app.MapConsoleAssets();
app.MapRazorPages();
app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization();
await app.RunAsync();
return 0;

public partial class Program;
