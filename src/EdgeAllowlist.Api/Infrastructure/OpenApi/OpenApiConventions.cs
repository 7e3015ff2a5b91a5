using NJsonSchema.Generation;
using NSwag;
using NSwag.Generation.AspNetCore;
using NSwag.Generation.Processors;
using NSwag.Generation.Processors.Contexts;
using FastEndpoints.Swagger;

namespace EdgeAllowlist.Api.Infrastructure.OpenApi;

/// <summary>How the OpenAPI document names things, so that openapi/v1.json reads well and stays stable.</summary>
public static class OpenApiConventions
{
    public const string SecurityScheme = "ApiToken";

    public static void Apply(AspNetCoreOpenApiDocumentGeneratorSettings settings)
    {
        settings.DocumentName = "v1";
        settings.Title = "Edge Allowlist API";
        settings.Version = "v1";
        settings.Description = "Maintains the CloudFront KeyValueStore rules read by the fixed allowlist function, with scoped tokens and a hash-chained audit trail.";
        settings.SchemaSettings.SchemaNameGenerator = new FeatureSchemaNames();
        settings.DocumentProcessors.Add(new CatchAllParameters());
        Extensions.AddAuth(settings, SecurityScheme, new()
        {
            Type = OpenApiSecuritySchemeType.Http,
            Scheme = "Bearer",
            Description = "An API token (eaat_…): the bootstrap token printed on first start, or one made with POST /v1/tokens.",
        });
    }

    /// <summary>Names a schema after its feature folder (Origins.Add.Request → OriginsAddRequest) instead of Request2, Request3….</summary>
    sealed class FeatureSchemaNames : ISchemaNameGenerator
    {
        const string FeaturesNamespace = "EdgeAllowlist.Api.Features.";

        public string Generate(Type type)
        {
            var name = type.FullName is { } full && full.StartsWith(FeaturesNamespace, StringComparison.Ordinal) && !type.IsGenericType
                ? full[FeaturesNamespace.Length..]
                : type.Name;
            return new string([.. name.Where(char.IsLetterOrDigit)]);
        }
    }

    /// <summary>ASP.NET's catch-all <c>{**origin}</c> is an ordinary path parameter <c>{origin}</c> in OpenAPI.</summary>
    sealed class CatchAllParameters : IDocumentProcessor
    {
        public void Process(DocumentProcessorContext context)
        {
            foreach (var path in context.Document.Paths.Keys.Where(p => p.Contains("{**", StringComparison.Ordinal)).ToList())
            {
                var item = context.Document.Paths[path];
                context.Document.Paths.Remove(path);
                context.Document.Paths[path.Replace("{**", "{", StringComparison.Ordinal)] = item;
                foreach (var operation in item.Values)
                {
                    var catchAll = operation.Parameters.Where(p => p.Kind == OpenApiParameterKind.Path && p.Name.StartsWith("**", StringComparison.Ordinal)).ToList();
                    foreach (var parameter in catchAll)
                    {
                        parameter.Name = parameter.Name[2..];
                        // The generator did not see the renamed route value and also offered it as a query parameter.
                        foreach (var duplicate in operation.Parameters.Where(p => p.Kind == OpenApiParameterKind.Query && p.Name == parameter.Name).ToList())
                            operation.Parameters.Remove(duplicate);
                    }
                }
            }
        }
    }
}
