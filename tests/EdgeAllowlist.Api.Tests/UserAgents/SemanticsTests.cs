using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.EdgeFunction.Tests;

namespace EdgeAllowlist.Api.Tests.UserAgents;

/// <summary>
/// What allow and deny rules mean is said in the same words everywhere it is said: function/README.md,
/// contract.json, docs/user-agents.md, the OpenAPI description and (ConsolePagesTests) the console's
/// Settings and User-Agent rules pages. The function's behaviour is held to it by the sample events.
/// </summary>
public sealed class SemanticsTests
{
    [Fact]
    public void The_readme_the_contract_the_docs_and_the_openapi_document_say_the_rules_meaning_in_the_same_words()
    {
        string Read(params string[] path) => File.ReadAllText(Path.Combine([RepositoryPaths.Root, .. path]));

        FunctionContract.Json["userAgent"]!["semantics"]!.GetValue<string>().ShouldBe(UserAgentRules.Semantics);
        Read("function", "README.md").ShouldContain(UserAgentRules.Semantics);
        Read("docs", "user-agents.md").ShouldContain(UserAgentRules.Semantics);
        var add = JsonNode.Parse(Read("openapi", "v1.json"))!["paths"]!["/v1/user-agents"]!["post"]!;
        add["description"]!.GetValue<string>().ShouldStartWith(UserAgentRules.Semantics);
    }
}
