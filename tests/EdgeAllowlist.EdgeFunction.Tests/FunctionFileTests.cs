using System.Text;
using Acornima;
using Acornima.Ast;

namespace EdgeAllowlist.EdgeFunction.Tests;

public sealed class FunctionFileTests
{
    /// <summary>The deployed build.</summary>
    static readonly string Source = File.ReadAllText(EdgeFunctionRuntime.DefaultPath);

    public static TheoryData<string> Files() => ["source", "dist"];

    static string Read(string file) => File.ReadAllText(file == "dist" ? EdgeFunctionRuntime.DefaultPath : EdgeFunctionRuntime.SourcePath);

    [Fact]
    public void The_function_fits_CloudFronts_size_limit_with_room_to_spare()
    {
        Encoding.UTF8.GetByteCount(Source).ShouldBeLessThanOrEqualTo(EdgeFunctionRuntime.MaxFunctionBytes);
        Edge.Function.SizeInBytes.ShouldBe(Encoding.UTF8.GetByteCount(Source));
    }

    [Fact]
    public void The_runtime_refuses_a_file_over_10240_bytes()
    {
        var oversized = Source + "\n//" + new string('x', EdgeFunctionRuntime.MaxFunctionBytes - Source.Length);

        var error = Should.Throw<InvalidDataException>(() => EdgeFunctionRuntime.FromSource(oversized));

        error.Message.ShouldContain("10240");
    }

    [Fact]
    public void The_runtime_accepts_a_file_of_exactly_10240_bytes()
    {
        var padded = Source + "\n//" + new string('x', EdgeFunctionRuntime.MaxFunctionBytes - Encoding.UTF8.GetByteCount(Source) - 3);

        EdgeFunctionRuntime.FromSource(padded).SizeInBytes.ShouldBe(EdgeFunctionRuntime.MaxFunctionBytes);
    }

    [Fact]
    public void The_runtime_refuses_code_without_a_handler_or_that_does_not_parse()
    {
        Should.Throw<Jint.ScriptPreparationException>(() => EdgeFunctionRuntime.FromSource("async function handler(event) {"));
        Should.Throw<InvalidDataException>(() => EdgeFunctionRuntime.FromSource("async function other(event) { return event.request; }"))
            .Message.ShouldContain("handler");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_function_uses_no_language_feature_outside_runtime_2_0(string file)
    {
        RuntimeFeatureViolations(Read(file)).ShouldBeEmpty();
    }

    /// <summary>Rules are data; a RegExp built from data backtracks on whatever an admin or an attacker chose. Only literals remain.</summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void The_function_never_names_RegExp_so_no_pattern_is_built_from_store_data(string file)
    {
        var module = new Parser().ParseModule(Read(file));

        module.DescendantNodes().OfType<Identifier>().Where(i => i.Name == "RegExp").ShouldBeEmpty();
        module.DescendantNodes().OfType<RegExpLiteral>().ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("class A {}", "class")]
    [InlineData("const { a } = {};", "destructuring")]
    [InlineData("const [a] = [];", "destructuring")]
    [InlineData("const a = [...[]];", "spread")]
    [InlineData("const a = {}; const b = a?.c;", "optional chaining")]
    [InlineData("for (const a of []) {}", "for…of")]
    [InlineData("function* g() {}", "generator")]
    [InlineData("const a = null ?? 1;", "nullish coalescing")]
    [InlineData("const f = async () => 1;", "async closure")]
    public void The_feature_guard_rejects_what_runtime_2_0_lacks(string code, string feature)
    {
        RuntimeFeatureViolations(code).ShouldContain(feature);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_function_imports_cloudfront_and_crypto_and_declares_a_top_level_async_handler(string file)
    {
        var module = new Parser().ParseModule(Read(file));

        module.Body.OfType<ImportDeclaration>().Select(i => i.Source.Value).ShouldBe(["cloudfront", "crypto"]);
        module.Body.OfType<FunctionDeclaration>().ShouldContain(f => f.Id!.Name == "handler" && f.Async);
        module.Body.OfType<ExportNamedDeclaration>().ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_store_read_sits_inside_a_try_block(string file)
    {
        var module = new Parser().ParseModule(Read(file));
        var reads = module.DescendantNodes().OfType<CallExpression>()
            .Where(c => c.Callee is MemberExpression { Property: Identifier { Name: "get" or "exists" or "meta" } } m
                && m.Object is MemberExpression { Property: Identifier { Name: "kvs" } })
            .ToList();

        reads.ShouldNotBeEmpty();
        foreach (var read in reads)
        {
            var tryBlocks = module.DescendantNodes().OfType<TryStatement>().Select(t => t.Block);
            tryBlocks.ShouldContain(block => block.DescendantNodes().Contains(read));
        }
    }

    /// <summary>Features CloudFront's runtime 2.0 does not list (platform-facts §5.3), found in the syntax tree.</summary>
    internal static List<string> RuntimeFeatureViolations(string code)
    {
        var module = new Parser().ParseModule(code);
        var violations = new List<string>();
        foreach (var node in module.DescendantNodesAndSelf())
        {
            var feature = node switch
            {
                ClassDeclaration or ClassExpression => "class",
                ObjectPattern or ArrayPattern => "destructuring",
                SpreadElement => "spread",
                ChainExpression => "optional chaining",
                ForOfStatement => "for…of",
                IFunction { Generator: true } => "generator",
                LogicalExpression { Operator: Operator.NullishCoalescing } => "nullish coalescing",
                AssignmentExpression { Operator: Operator.NullishCoalescingAssignment } => "nullish coalescing",
                // "async arguments and closures are not supported": only declared async functions.
                ArrowFunctionExpression { Async: true } or FunctionExpression { Async: true } => "async closure",
                _ => null,
            };
            if (feature is not null) violations.Add(feature);
        }
        return violations;
    }
}
