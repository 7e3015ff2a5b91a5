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
        settings.DocumentProcessors.Add(new ScopeNames());
        settings.OperationProcessors.Add(new RouteRequestExamples());
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

    /// <summary>Every <c>scopes</c> list in a schema names the scopes there are, so clients (and Scalar) offer them instead of an empty string.</summary>
    sealed class ScopeNames : IDocumentProcessor
    {
        public void Process(DocumentProcessorContext context)
        {
            foreach (var schema in context.Document.Components.Schemas.Values)
                if (schema.ActualProperties.TryGetValue("scopes", out var scopes) && scopes.Item is { } item)
                {
                    item.Enumeration.Clear();
                    foreach (var scope in Auth.ApiScopes.All)
                        item.Enumeration.Add(scope);
                }
        }
    }

    /// <summary>
    /// FastEndpoints leaves out the request examples of an endpoint whose request also binds route
    /// values (<c>/partners/{partner}/secrets</c>); this adds them, without the members the route carries.
    /// </summary>
    sealed class RouteRequestExamples : IOperationProcessor
    {
        static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };

        public bool Process(OperationProcessorContext context)
        {
            if (context is not AspNetCoreOperationProcessorContext aspNet
                || aspNet.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<EndpointDefinition>().FirstOrDefault() is not { EndpointSummary.RequestExamples.Count: > 0 } endpoint
                || context.OperationDescription.Operation.RequestBody?.Content.Values.FirstOrDefault() is not { } body
                || body.Examples.Count > 0)
                return true;
            var routeValues = context.OperationDescription.Operation.Parameters.Where(p => p.Kind == OpenApiParameterKind.Path).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var example in endpoint.EndpointSummary.RequestExamples)
            {
                var value = System.Text.Json.JsonSerializer.SerializeToNode(example.Value, example.Value.GetType(), Web)!.AsObject();
                foreach (var name in value.Select(m => m.Key).Where(routeValues.Contains).ToList())
                    value.Remove(name);
                body.Examples[example.Label ?? $"Example {body.Examples.Count + 1}"] = new()
                {
                    Summary = example.Summary,
                    Value = Newtonsoft.Json.Linq.JToken.Parse(value.ToJsonString()),
                };
            }
            return true;
        }
    }
}
