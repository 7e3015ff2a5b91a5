using EdgeAllowlist.Api.Infrastructure;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using FastEndpoints.Swagger;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddStructuredJson();
builder.Services
    .AddDatabase(builder.Configuration)
    .AddKeyValueStore(builder.Configuration)
    .AddWritePath(builder.Configuration)
    .AddPartnerSecrets(builder.Configuration)
    .AddTokenAuthentication(builder.Configuration)
    .AddObservability()
    .AddFastEndpoints()
    .SwaggerDocument(o =>
    {
        o.EnableJWTBearerAuth = false;
        o.DocumentSettings = OpenApiConventions.Apply;
    });

var app = builder.Build();
app.UseRequestIds()
    .UseOutageAnswers()
    .UseFailedAuthenticationLimit()
    .UseAuthentication()
    .UseAuthorization()
    .UseRejectionAudit()
    .UseIdempotencyKeys()
    .UseFastEndpoints(c =>
    {
        c.Endpoints.RoutePrefix = "v1";
        c.Errors.UseProblemDetails();
    })
    .UseSwaggerGen();
app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/swagger/{documentName}/swagger.json"));
app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization();
await app.InitializeAsync();
await app.RunAsync();

public partial class Program;
