using System.Net;
using System.Text;
using EdgeAllowlist.Store.Aws;

namespace EdgeAllowlist.Store.Tests.Aws;

/// <summary>The error shapes AWS front ends send that the emulator does not (it always sends the plain header).</summary>
public sealed class AwsErrorParserTests
{
    [Theory]
    [InlineData(400, "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/", "", "ValidationException", KvsErrorKind.Validation)]
    [InlineData(400, null, """{"__type":"com.amazon.coral.service#ThrottlingException","message":"Rate exceeded"}""", "ThrottlingException", KvsErrorKind.Throttled)]
    [InlineData(409, null, """{"code":"ConflictException","Message":"stale"}""", "ConflictException", KvsErrorKind.Conflict)]
    [InlineData(403, null, """{"Code":"InvalidSignatureException"}""", "InvalidSignatureException", KvsErrorKind.AccessDenied)]
    [InlineData(502, null, "<html>Bad Gateway</html>", "502", KvsErrorKind.ServerError)]
    [InlineData(402, null, "", "402", KvsErrorKind.QuotaExceeded)]
    public void Codes_come_from_the_header_then_code_then_type_as_botocore_reads_them(int status, string? header, string body, string code, KvsErrorKind kind)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
        if (header is not null) response.Headers.TryAddWithoutValidation("x-amzn-errortype", header);

        var error = AwsErrorParser.Parse(response, Encoding.UTF8.GetBytes(body), "req-1");

        error.ErrorCode.ShouldBe(code);
        error.Kind.ShouldBe(kind);
        error.StatusCode.ShouldBe((HttpStatusCode)status);
        error.RequestId.ShouldBe("req-1");
    }

    [Fact]
    public void The_message_comes_from_message_or_Message()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.Conflict);

        AwsErrorParser.Parse(response, Encoding.UTF8.GetBytes("""{"Message":"upper"}"""), null).Message.ShouldBe("upper");
        AwsErrorParser.Parse(response, Encoding.UTF8.GetBytes("""{"message":"lower"}"""), null).Message.ShouldBe("lower");
    }
}
