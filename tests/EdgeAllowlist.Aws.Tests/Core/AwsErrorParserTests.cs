using System.Net;
using System.Text;
using EdgeAllowlist.Aws.Core;

namespace EdgeAllowlist.Aws.Tests.Core;

/// <summary>
/// One parser, three protocols, with error answers as the services send them (shapes from the models:
/// CloudFront 2020-05-31 rest-xml, the KVS data plane and MediaTailor rest-json, CloudWatch Logs json-1.1),
/// and the retry verdict the one policy gives each.
/// </summary>
public sealed class AwsErrorParserTests
{
    public static TheoryData<AwsProtocol, int, string?, string, string, string, bool> Answers => new()
    {
        // CloudFront rest-xml: its rate limit is a 400 with code Throttling.
        { AwsProtocol.RestXml, 400, null, """<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>7c4fa4d2-3a3c-4d4e-8d8f-0123456789ab</RequestId></ErrorResponse>""", "Throttling", "Rate exceeded", true },
        { AwsProtocol.RestXml, 412, null, """<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>PreconditionFailed</Code><Message>The precondition given in one or more of the request-header fields evaluated to false.</Message></Error><RequestId>r-412</RequestId></ErrorResponse>""", "PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.", false },
        { AwsProtocol.RestXml, 503, null, """<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Service unavailable</Message></Error><RequestId>r-503</RequestId></ErrorResponse>""", "ServiceUnavailable", "Service unavailable", true },
        // KVS data plane rest-json: the type in x-amzn-ErrorType with its :url suffix, the message in the body.
        { AwsProtocol.RestJson, 409, "ConflictException:http://internal.amazon.com/coral/com.amazonaws.cloudfrontkeyvaluestore/", """{"Message":"Pre-condition failed."}""", "ConflictException", "Pre-condition failed.", false },
        { AwsProtocol.RestJson, 429, null, """{"__type":"com.amazonaws.cloudfrontkeyvaluestore#ThrottlingException","message":"Rate exceeded"}""", "ThrottlingException", "Rate exceeded", true },
        // MediaTailor rest-json.
        { AwsProtocol.RestJson, 429, "TooManyRequestsException", """{"message":"Too Many Requests"}""", "TooManyRequestsException", "Too Many Requests", true },
        { AwsProtocol.RestJson, 404, null, """{"code":"NotFoundException","Message":"Playback configuration live not found"}""", "NotFoundException", "Playback configuration live not found", false },
        // CloudWatch Logs json-1.1: the type in the body's __type, with or without the namespace.
        { AwsProtocol.Json11, 400, null, """{"__type":"com.amazonaws.logs#ThrottlingException","message":"Rate exceeded"}""", "ThrottlingException", "Rate exceeded", true },
        { AwsProtocol.Json11, 400, null, """{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}""", "ResourceNotFoundException", "The specified log group does not exist.", false },
        { AwsProtocol.Json11, 500, null, """{"__type":"ServiceUnavailableException"}""", "ServiceUnavailableException", "500 InternalServerError", true },
        // A proxy's page instead of the service's answer: the status code is all there is.
        { AwsProtocol.RestXml, 502, null, "<html><body>Bad Gateway</body></html>", "Http502", "502 BadGateway", true },
        { AwsProtocol.RestJson, 504, null, "<html>Gateway Timeout</html>", "Http504", "504 GatewayTimeout", true },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void Each_protocol_yields_the_code_and_message_and_the_policy_says_whether_to_retry(
        AwsProtocol protocol, int status, string? errorType, string body, string code, string message, bool retryable)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-amzn-RequestId"] = "req-h" };
        if (errorType is not null)
            headers["x-amzn-ErrorType"] = errorType;

        var error = AwsErrorParser.Parse(protocol, (HttpStatusCode)status, headers.GetValueOrDefault, Encoding.UTF8.GetBytes(body));

        error.Code.ShouldBe(code);
        error.Message.ShouldBe(message);
        error.RequestId.ShouldBe("req-h");
        AwsRetryPolicy.IsRetryable(error.Code, (HttpStatusCode)status).ShouldBe(retryable);
    }

    [Fact]
    public void Rest_xml_takes_the_request_id_from_the_body_when_no_header_has_it()
    {
        var body = """<ErrorResponse><Error><Code>AccessDenied</Code><Message>Access denied.</Message></Error><RequestId>from-body</RequestId></ErrorResponse>""";

        AwsErrorParser.Parse(AwsProtocol.RestXml, HttpStatusCode.Forbidden, _ => null, Encoding.UTF8.GetBytes(body)).RequestId.ShouldBe("from-body");
    }

    [Fact]
    public void Backoff_is_full_jitter_under_the_exponential_ceiling()
    {
        var options = new AwsRetryOptions { BaseBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) };

        var delays = Enumerable.Range(0, 200).Select(_ => AwsRetryPolicy.Backoff(options, 3)).ToList();

        delays.ShouldAllBe(d => d >= TimeSpan.Zero && d <= TimeSpan.FromMilliseconds(400));
        delays.Distinct().Count().ShouldBeGreaterThan(100);
        Enumerable.Range(0, 50).Select(_ => AwsRetryPolicy.Backoff(options, 10)).ShouldAllBe(d => d <= TimeSpan.FromSeconds(1));
    }
}
