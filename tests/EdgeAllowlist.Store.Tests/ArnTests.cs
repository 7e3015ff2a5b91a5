
namespace EdgeAllowlist.Store.Tests;

/// <summary>One ARN parser under every ARN rule of the project: the KVS client's, the local store's and the CLI's S3 import source.</summary>
public sealed class ArnTests
{
    [Theory]
    [InlineData("arn:aws:cloudfront::123456789012:key-value-store/0a1b", "aws", "cloudfront", "", "123456789012", "key-value-store", "0a1b")]
    [InlineData("arn:aws:cloudfront::123456789012:function/edge-allowlist", "aws", "cloudfront", "", "123456789012", "function", "edge-allowlist")]
    [InlineData("arn:aws:mediatailor:eu-west-1:123456789012:playbackConfiguration/live", "aws", "mediatailor", "eu-west-1", "123456789012", "playbackConfiguration", "live")]
    [InlineData("arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudfront/function/x:*", "aws", "logs", "us-east-1", "123456789012", "log-group", "/aws/cloudfront/function/x:*")]
    [InlineData("arn:aws:s3:::bucket/events/_kvs.json", "aws", "s3", "", "", "bucket", "events/_kvs.json")]
    public void Fields_split_as_the_endpoint_rules_split_them(string text, string partition, string service, string region, string account, string type, string id)
    {
        var arn = Arn.TryParse(text).ShouldNotBeNull();

        (arn.Partition, arn.Service, arn.Region, arn.AccountId, arn.ResourceTypeAndId).ShouldBe((partition, service, region, account, (type, id)));
        arn.ToString().ShouldBe(text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("arn:aws:cloudfront::123456789012")]
    [InlineData("urn:aws:s3:::bucket/key")]
    [InlineData("arn::s3:::bucket/key")]
    [InlineData("arn:aws:s3:::")]
    public void What_is_not_an_arn_is_null(string? text) => Arn.TryParse(text).ShouldBeNull();

    [Theory]
    [InlineData("arn:aws:s3:::bucket/key", true)]
    [InlineData("arn:aws:s3:::bucket", false)]
    [InlineData("arn:aws:s3:us-east-1::bucket/key", false)]
    [InlineData("arn:aws:cloudfront:::bucket/key", false)]
    public void An_s3_object_has_no_region_no_account_and_a_key(string text, bool isObject) =>
        Arn.TryParse(text)!.IsS3Object.ShouldBe(isObject);

    [Theory]
    [InlineData("arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-000000000001", true)]
    [InlineData("arn:aws:cloudfront::my-account:key-value-store/00000000-0000-0000-0000-000000000001", false)]
    [InlineData("arn:aws:cloudfront::123456789012:key-value-store/short", false)]
    public void The_issued_form_is_what_the_local_store_takes(string text, bool issued) =>
        KvsArn.Parse(text).IsIssuedForm.ShouldBe(issued);
}
