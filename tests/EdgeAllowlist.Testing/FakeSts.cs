using System.Collections.Concurrent;
using System.Net;
using System.Security;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing;

/// <summary>
/// AWS STS on 127.0.0.1 and a random port, speaking its query protocol (form-encoded POST, XML answers)
/// for <c>AssumeRoleWithWebIdentity</c>. That call is unsigned in AWS too: the web identity token is the
/// proof, so this fake checks the token, the role ARN and the API version, refuses anything else with
/// STS's own error shape, and hands out <paramref name="issued"/> for one hour. Point the AWS SDK at it
/// with <c>AWS_ENDPOINT_URL_STS</c>.
/// </summary>
public sealed class FakeSts : IAsyncDisposable
{
    public const string Version = "2011-06-15";
    readonly WebApplication app;

    FakeSts(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Every call as <c>Action</c> plus its outcome (<c>issued</c> or the error code).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<FakeSts> StartAsync(string webIdentityToken, string roleArn, ImmutableCredentials issued)
    {
        FakeSts? sts = null;
        var (app, address) = await LoopbackHost.StartAsync(app => app.MapPost("/", async context =>
        {
            var form = await context.Request.ReadFormAsync();
            var action = form["Action"].ToString();
            var refusal = action != "AssumeRoleWithWebIdentity" ? ("InvalidAction", $"Could not find operation {action} for version {form["Version"]}")
                : form["Version"] != Version ? ("InvalidAction", $"Could not find operation {action} for version {form["Version"]}")
                : form["RoleArn"] != roleArn ? ("AccessDenied", $"Not authorized to perform sts:AssumeRoleWithWebIdentity on {form["RoleArn"]}")
                : form["WebIdentityToken"] != webIdentityToken ? ("InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS.")
                : form["RoleSessionName"].ToString().Length == 0 ? ("ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
                : default((string Code, string Message)?);
            sts!.Calls.Enqueue($"{action} {refusal?.Code ?? "issued"}");
            context.Response.ContentType = "text/xml";
            if (refusal is var (code, message))
            {
                context.Response.StatusCode = code == "AccessDenied" ? (int)HttpStatusCode.Forbidden : (int)HttpStatusCode.BadRequest;
                await context.Response.WriteAsync($"""
                    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/{Version}/">
                      <Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error>
                      <RequestId>{Guid.NewGuid()}</RequestId>
                    </ErrorResponse>
                    """);
                return;
            }
            var session = SecurityElement.Escape(form["RoleSessionName"].ToString());
            await context.Response.WriteAsync($"""
                <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/{Version}/">
                  <AssumeRoleWithWebIdentityResult>
                    <SubjectFromWebIdentityToken>system:serviceaccount:edge:allowlist</SubjectFromWebIdentityToken>
                    <Audience>sts.amazonaws.com</Audience>
                    <AssumedRoleUser>
                      <Arn>{SecurityElement.Escape(roleArn.Replace(":role/", ":assumed-role/", StringComparison.Ordinal))}/{session}</Arn>
                      <AssumedRoleId>AROAFAKESTS0000000000:{session}</AssumedRoleId>
                    </AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>{issued.AccessKey}</AccessKeyId>
                      <SecretAccessKey>{SecurityElement.Escape(issued.SecretKey)}</SecretAccessKey>
                      <SessionToken>{SecurityElement.Escape(issued.Token)}</SessionToken>
                      <Expiration>{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}</Expiration>
                    </Credentials>
                    <Provider>oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>
                  </AssumeRoleWithWebIdentityResult>
                  <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
                </AssumeRoleWithWebIdentityResponse>
                """);
        }));
        sts = new(app, address);
        return sts;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
