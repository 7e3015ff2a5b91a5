using System.Xml.Linq;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Aws.Tests.CloudFront;

/// <summary>The fake's check against the bundled model finds what CloudFront's parser would refuse.</summary>
public sealed class CloudFrontModelTests
{
    static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    [Fact]
    public void The_sample_distribution_conforms_to_the_model() =>
        CloudFrontModel.Problems("DistributionConfig", DistributionConfigs.MediaTailor()).ShouldBeEmpty();

    [Fact]
    public void An_unknown_member_a_member_out_of_order_a_wrong_quantity_and_a_bad_enum_are_each_found()
    {
        var config = DistributionConfigs.MediaTailor();
        config.Element(Ns + "Comment")!.AddBeforeSelf(new XElement(Ns + "Colour", "blue"));
        var behavior = config.Element(Ns + "DefaultCacheBehavior")!;
        behavior.Element(Ns + "CachePolicyId")!.Remove();
        behavior.Element(Ns + "TargetOriginId")!.AddBeforeSelf(new XElement(Ns + "CachePolicyId", "x"));
        config.Element(Ns + "Aliases")!.Element(Ns + "Quantity")!.Value = "2";
        config.Element(Ns + "PriceClass")!.Value = "PriceClass_Cheap";
        config.Element(Ns + "Enabled")!.Remove();

        var problems = CloudFrontModel.Problems("DistributionConfig", config);

        problems.ShouldContain(p => p.Contains("Colour: not a member"));
        problems.ShouldContain(p => p.Contains("DefaultCacheBehavior/TargetOriginId: out of the model's member order"));
        problems.ShouldContain(p => p.Contains("Aliases/Quantity: 2, but Items holds 1"));
        problems.ShouldContain(p => p.Contains("PriceClass_Cheap"));
        problems.ShouldContain(p => p.Contains("required Enabled is missing"));
    }
}
