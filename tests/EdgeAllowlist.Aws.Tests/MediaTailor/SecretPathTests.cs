using EdgeAllowlist.Aws.MediaTailor;

namespace EdgeAllowlist.Aws.Tests.MediaTailor;

public sealed class SecretPathTests
{
    const string Secret = "ealp_TestOnlyMediaTailorNext00000000000000000000";

    [Theory]
    [InlineData("https://d111111abcdef8.cloudfront.net/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/", "https://d111111abcdef8.cloudfront.net/_p/" + Secret + "/")]
    [InlineData("https://d111111abcdef8.cloudfront.net/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000/live/", "https://d111111abcdef8.cloudfront.net/_p/" + Secret + "/live/")]
    [InlineData("https://d111111abcdef8.cloudfront.net/_p/ealp_TestOnlyMediaTailorCurrent00000000000000000", "https://d111111abcdef8.cloudfront.net/_p/" + Secret + "/")]
    [InlineData("https://d111111abcdef8.cloudfront.net/live/", "https://d111111abcdef8.cloudfront.net/_p/" + Secret + "/live/")]
    [InlineData("https://d111111abcdef8.cloudfront.net/", "https://d111111abcdef8.cloudfront.net/_p/" + Secret + "/")]
    [InlineData("https://d111111abcdef8.cloudfront.net:8443/live/_p/x/", "https://d111111abcdef8.cloudfront.net:8443/_p/" + Secret + "/live/_p/x/")]
    public void The_secret_replaces_the_segment_after_the_marker_or_goes_in_front_of_the_path(string before, string after) =>
        SecretPath.WithSecret(before, "_p", Secret).ShouldBe(after);

    [Fact]
    public void A_redacted_url_carries_no_secret() =>
        SecretPath.Redact("https://d111111abcdef8.cloudfront.net/_p/" + Secret + "/live/", "_p")
            .ShouldBe("https://d111111abcdef8.cloudfront.net/_p/***/live/");

    [Theory]
    [InlineData(Secret, true)]
    [InlineData("ealp_short", false)]
    [InlineData("xxxx_TestOnlyMediaTailorNext00000000000000000000", false)]
    [InlineData("ealp_TestOnlyMediaTailorNext0000000000000000000/", false)]
    public void Only_the_documented_secret_format_is_accepted(string value, bool accepted) =>
        SecretPath.IsSecret(value).ShouldBe(accepted);
}
