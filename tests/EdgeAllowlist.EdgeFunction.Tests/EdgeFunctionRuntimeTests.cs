using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>The runtime's CloudFront surface, checked with small functions written against CloudFront's documented API.</summary>
public sealed class EdgeFunctionRuntimeTests
{
    static EdgeOutcome RunCode(string body, IKeyValueStore store, string uri = "/") =>
        EdgeFunctionRuntime.FromSource($$"""
            import cf from 'cloudfront';
            import crypto from 'crypto';
            async function handler(event) {
                const request = event.request;
                const kvs = cf.kvs();
                {{body}}
                return request;
            }
            """).Run(Edge.Request(uri), store, Edge.Now);

    static string Header(EdgeOutcome outcome, string name) => outcome.Header(name).ShouldNotBeNull(string.Join("\n", outcome.Logs) + outcome.Error);

    [Fact]
    public async Task Get_returns_strings_parses_json_and_throws_for_a_missing_key_like_CloudFront()
    {
        using var store = await TestStore.WithAsync([new("plain", "hello"), new("doc", "{\"n\":42}")]);

        var outcome = RunCode("""
            request.headers['x-plain'] = { value: await kvs.get('plain') };
            request.headers['x-json'] = { value: String((await kvs.get('doc', { format: 'json' })).n) };
            const bytes = await kvs.get('plain', { format: 'bytes' });
            request.headers['x-bytes'] = { value: String(bytes.length) + ':' + bytes[0] };
            try { await kvs.get('absent'); request.headers['x-missing'] = { value: 'no error' }; }
            catch (e) { request.headers['x-missing'] = { value: e.message }; }
            request.headers['x-exists'] = { value: String(await kvs.exists('plain')) + String(await kvs.exists('absent')) };
            request.headers['x-meta'] = { value: String((await kvs.meta()).keyCount) };
            """, store.Store);

        outcome.Action.ShouldBe(EdgeAction.Pass);
        Header(outcome, "x-plain").ShouldBe("hello");
        Header(outcome, "x-json").ShouldBe("42");
        Header(outcome, "x-bytes").ShouldBe("5:104");
        Header(outcome, "x-missing").ShouldBe("KeyNotFound");
        Header(outcome, "x-exists").ShouldBe("truefalse");
        Header(outcome, "x-meta").ShouldBe("2");
        outcome.KvsReads.ShouldBe(7);
    }

    [Fact]
    public async Task A_failing_store_surfaces_as_an_error_that_does_not_look_like_a_missing_key()
    {
        using var store = new TestStore();
        var failing = new FailingStore(store.Store, _ => new KvsException(KvsErrorKind.NotFound, "ResourceNotFoundException", "store gone"));

        var outcome = RunCode("""
            try { await kvs.get('cfg'); } catch (e) { request.headers['x-error'] = { value: e.message }; }
            """, failing);

        Header(outcome, "x-error").ShouldNotContain("not found", Case.Insensitive);
        Header(outcome, "x-error").ShouldNotContain("notfound", Case.Insensitive);
    }

    [Fact]
    public async Task Crypto_hashes_and_hmacs_agree_with_dotnet()
    {
        using var store = new TestStore();

        var outcome = RunCode("""
            request.headers['x-sha256'] = { value: crypto.createHash('sha256').update('ealp_abc').digest('hex') };
            request.headers['x-sha1'] = { value: crypto.createHash('sha1').update('a').update('b').digest('base64') };
            request.headers['x-md5'] = { value: crypto.createHash('md5').update('abc').digest('base64url') };
            request.headers['x-hmac'] = { value: crypto.createHmac('sha256', 'key').update('data').digest('hex') };
            request.headers['x-raw'] = { value: String(crypto.createHash('sha256').update('').digest().length) };
            """, store.Store);

        Header(outcome, "x-sha256").ShouldBe(Convert.ToHexStringLower(SHA256.HashData("ealp_abc"u8)));
        Header(outcome, "x-sha1").ShouldBe(Convert.ToBase64String(SHA1.HashData("ab"u8)));
        Header(outcome, "x-md5").ShouldBe(Convert.ToBase64String(MD5.HashData("abc"u8)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        Header(outcome, "x-hmac").ShouldBe(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("key"), "data"u8)));
        Header(outcome, "x-raw").ShouldBe("32");
    }

    [Fact]
    public async Task Console_lines_are_captured_and_Date_is_the_start_of_the_run()
    {
        using var store = new TestStore();

        var outcome = RunCode("""
            console.log('first ' + 1);
            console.log(String(Date.now() / 1000));
            """, store.Store);

        outcome.Logs.ShouldBe(["first 1", Edge.Unix(Edge.Now).ToString()]);
    }

    [Fact]
    public async Task The_event_has_CloudFronts_shape_with_multi_value_headers_and_cookies()
    {
        using var store = new TestStore();
        var cloudFrontEvent = EdgeEvent.ViewerRequest("/a", [new("Accept", "x"), new("accept", "y"), new("Cookie", "s=1; t=2")], query: "q=1&q=2&r");

        var outcome = EdgeFunctionRuntime.FromSource("""
            async function handler(event) {
                const r = event.request;
                r.headers['x-seen'] = { value: [event.version, event.context.eventType, event.viewer.ip, r.method,
                    r.headers.accept.value, r.headers.accept.multiValue.length, r.cookies.t.value,
                    r.querystring.q.multiValue[1].value, r.querystring.r.value === ''].join('|') };
                return r;
            }
            """).Run(cloudFrontEvent, store.Store, Edge.Now);

        outcome.Header("x-seen").ShouldBe("1.0|viewer-request|198.51.100.11|GET|x|2|2|2|true");
    }

    [Fact]
    public async Task A_response_is_told_from_the_request_by_its_status_code()
    {
        using var store = new TestStore();

        var outcome = EdgeFunctionRuntime.FromSource("""
            async function handler(event) { return { statusCode: 302, headers: { location: { value: '/elsewhere' } } }; }
            """).Run(Edge.Request("/"), store.Store, Edge.Now);

        outcome.Action.ShouldBe(EdgeAction.Respond);
        outcome.StatusCode.ShouldBe(302);
        outcome.Header("location").ShouldBe("/elsewhere");
        outcome.Output.ContainsKey("response").ShouldBeTrue();
    }

    [Fact]
    public async Task A_throwing_or_looping_function_is_reported_as_failed_not_thrown()
    {
        using var store = new TestStore();

        var thrown = EdgeFunctionRuntime.FromSource("async function handler(event) { throw new Error('boom'); }").Run(Edge.Request("/"), store.Store);
        var looping = EdgeFunctionRuntime.FromSource("async function handler(event) { while (true) {} }").Run(Edge.Request("/"), store.Store);

        var neverSettles = EdgeFunctionRuntime.FromSource("async function handler(event) { await new Promise(() => {}); return event.request; }").Run(Edge.Request("/"), store.Store);
        var returnsNothing = EdgeFunctionRuntime.FromSource("async function handler(event) { }").Run(Edge.Request("/"), store.Store);

        neverSettles.Action.ShouldBe(EdgeAction.Failed);
        returnsNothing.Action.ShouldBe(EdgeAction.Failed);
        thrown.Action.ShouldBe(EdgeAction.Failed);
        thrown.Error.ShouldNotBeNull().ShouldContain("boom");
        looping.Action.ShouldBe(EdgeAction.Failed);
    }

    [Fact]
    public async Task The_statement_budget_applies_to_each_run_not_to_the_reused_engine()
    {
        using var store = new TestStore();
        var runtime = EdgeFunctionRuntime.FromSource("""
            async function handler(event) { let n = 0; for (let i = 0; i < 30000; i++) { n += i; } return event.request; }
            """);

        var outcomes = Enumerable.Range(0, 5).Select(_ => runtime.Run(Edge.Request("/"), store.Store)).ToList();

        outcomes.ShouldAllBe(o => o.Action == EdgeAction.Pass);
    }

    [Fact]
    public async Task One_runtime_serves_concurrent_runs_each_with_its_own_reads_and_logs()
    {
        using var store = await TestStore.WithAsync(EventCases.LoadFixture());
        var cases = EventCases.LoadAll().Where(c => c.UsesFixtureUnchanged).ToList();

        var mismatches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => cases.SelectMany(c =>
        {
            var outcome = Edge.Function.Run(c.Event.DeepClone().AsObject(), store.Store, Edge.Now);
            return c.Expect.Mismatches(outcome.Output, outcome.Logs, outcome.KvsReads);
        }).ToList())));

        cases.ShouldNotBeEmpty();
        mismatches.SelectMany(m => m).ShouldBeEmpty();
    }
}
