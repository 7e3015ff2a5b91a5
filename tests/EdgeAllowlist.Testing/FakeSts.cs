using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace EdgeAllowlist.Testing;

/// <summary>
/// AWS STS on 127.0.0.1 and a random port, speaking its query protocol (form-encoded POST, XML answers),
/// reached by the AWS SDK through <c>AWS_ENDPOINT_URL_STS</c>. <c>AssumeRoleWithWebIdentity</c> is unsigned
/// in AWS too (the web identity token is the proof), so the fake checks the token; <c>AssumeRole</c> (an
/// assume-role profile) must carry a SigV4 signature by <c>caller</c>'s keys for service <c>sts</c>, which the
/// fake verifies. Both check the role ARN and the API version, refuse with STS's own error shape, and hand
/// out <c>issued</c> for one hour.
/// </summary>
public sealed class FakeSts : IAsyncDisposable
{
    public const string Version = "2011-06-15";
    public const string Region = "us-east-1";
    readonly WebApplication app;

    FakeSts(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Every call as <c>Action</c> plus its outcome (<c>issued</c> or the error code).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <param name="webIdentityToken">The token AssumeRoleWithWebIdentity must present.</param>
    /// <param name="roleArn">The role either call must ask for.</param>
    /// <param name="issued">The temporary credentials handed out.</param>
    /// <param name="caller">The long-term keys that may sign AssumeRole; null: AssumeRole is refused.</param>
    public static async Task<FakeSts> StartAsync(string webIdentityToken, string roleArn, ImmutableCredentials issued, ImmutableCredentials? caller = null)
    {
        FakeSts? sts = null;
        var verifier = caller is null ? null : new SigV4Verifier(caller, Region, "sts");
        var (app, address) = await LoopbackHost.StartAsync(app => app.MapPost("/", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
            string Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : "";
            var action = Field("Action");
            var refusal = (action, Field("Version")) switch
            {
                (not ("AssumeRoleWithWebIdentity" or "AssumeRole"), _) or (_, not Version) => ("InvalidAction", $"Could not find operation {action} for version {Field("Version")}"),
                ("AssumeRole", _) when verifier is null => ("InvalidClientTokenId", "The security token included in the request is invalid."),
                ("AssumeRole", _) when verifier!.Problem(context, body) is { } problem => ("SignatureDoesNotMatch", $"The request signature we calculated does not match the signature you provided. {problem}"),
                _ when Field("RoleArn") != roleArn => ("AccessDenied", $"Not authorized to perform sts:{action} on {Field("RoleArn")}"),
                ("AssumeRoleWithWebIdentity", _) when Field("WebIdentityToken") != webIdentityToken => ("InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS."),
                _ when Field("RoleSessionName").Length == 0 => ("ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"),
                _ => default((string Code, string Message)?),
            };
            sts!.Calls.Enqueue($"{action} {refusal?.Code ?? "issued"}");
            context.Response.ContentType = "text/xml";
            if (refusal is var (code, message))
            {
                context.Response.StatusCode = code is "AccessDenied" or "InvalidClientTokenId" or "SignatureDoesNotMatch" ? (int)HttpStatusCode.Forbidden : (int)HttpStatusCode.BadRequest;
                await context.Response.WriteAsync($"""
                    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/{Version}/">
                      <Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error>
                      <RequestId>{Guid.NewGuid()}</RequestId>
                    </ErrorResponse>
                    """);
                return;
            }
            var session = SecurityElement.Escape(Field("RoleSessionName"));
            var webIdentity = action == "AssumeRoleWithWebIdentity"
                ? "<SubjectFromWebIdentityToken>system:serviceaccount:edge:allowlist</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience><Provider>oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>"
                : "";
            await context.Response.WriteAsync($"""
                <{action}Response xmlns="https://sts.amazonaws.com/doc/{Version}/">
                  <{action}Result>
                    {webIdentity}
                    <AssumedRoleUser>
                      <Arn>{SecurityElement.Escape(roleArn.Replace(":iam::", ":sts::", StringComparison.Ordinal).Replace(":role/", ":assumed-role/", StringComparison.Ordinal))}/{session}</Arn>
                      <AssumedRoleId>AROAFAKESTS0000000000:{session}</AssumedRoleId>
                    </AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>{issued.AccessKey}</AccessKeyId>
                      <SecretAccessKey>{SecurityElement.Escape(issued.SecretKey)}</SecretAccessKey>
                      <SessionToken>{SecurityElement.Escape(issued.Token)}</SessionToken>
                      <Expiration>{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}</Expiration>
                    </Credentials>
                  </{action}Result>
                  <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
                </{action}Response>
                """);
        }));
        sts = new(app, address);
        return sts;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
