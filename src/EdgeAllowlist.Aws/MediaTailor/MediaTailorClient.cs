using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Core;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Aws.MediaTailor;

/// <summary>
/// The two MediaTailor operations a rotation needs (rest-json, SigV4, signing name <c>mediatailor</c>).
/// Configurations stay JSON objects end to end so that no field is lost to a model this tool does not know.
/// </summary>
public sealed class MediaTailorClient
{
    public const string SigningName = "mediatailor";

    readonly AwsRequestPipeline pipeline;

    /// <param name="credentials">Asked per attempt, so temporary ones refresh; a failure is an <see cref="AwsCredentialsException"/>.</param>
    public MediaTailorClient(HttpClient http, Uri endpoint, string region, AWSCredentials credentials, TimeProvider? clock = null, AwsRetryOptions? retry = null) =>
        pipeline = new(http, new(AwsEndpoints.MediaTailor, endpoint, SigningName, region, AwsProtocol.RestJson),
            () => AwsCredentialChain.ResolveAsync(credentials), MediaTailorException.From, retry, clock);

    public static Uri DefaultEndpoint(string region) => new($"https://api.mediatailor.{region}.amazonaws.com");

    public async Task<JsonObject> GetPlaybackConfigurationAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await pipeline.SendAsync(new(HttpMethod.Get, $"/playbackConfiguration/{Uri.EscapeDataString(name)}"), cancellationToken);
        return response.ReadJsonObject("MediaTailor");
    }

    /// <summary>Replaces the whole configuration: every field left out reverts to its default.</summary>
    public async Task<JsonObject> PutPlaybackConfigurationAsync(JsonObject configuration, CancellationToken cancellationToken = default)
    {
        var body = Encoding.UTF8.GetBytes(configuration.ToJsonString());
        var response = await pipeline.SendAsync(new(HttpMethod.Put, "/playbackConfiguration", body, "application/json", IsWrite: true), cancellationToken);
        return response.ReadJsonObject("MediaTailor");
    }

}

/// <summary>A MediaTailor error (aws-sdk-net's <c>AmazonMediaTailorException</c>), e.g. <c>NotFoundException</c>.</summary>
public sealed class MediaTailorException(AwsFailure failure)
    : AwsServiceException(failure.ServiceId, failure.Code, failure.Message, failure.StatusCode ?? HttpStatusCode.ServiceUnavailable, failure.RequestId, failure.IsRetryable, failure.InnerException)
{
    public static MediaTailorException From(AwsFailure failure) => new(failure) { MayHaveBeenApplied = failure.MayHaveBeenApplied };
}
