using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

public sealed class StoreArnTests : IDisposable
{
    const string GivenArn = "arn:aws:cloudfront::123456789012:key-value-store/9f1c2a5e-3b7d-4e8f-a1b2-c3d4e5f60718";
    readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_new_store_takes_the_arn_it_is_given_and_keeps_it_across_opens()
    {
        using (var store = LocalKeyValueStore.Open(folder.Path, GivenArn))
            (await store.DescribeAsync()).KvsArn.ShouldBe(GivenArn);

        using var reopened = LocalKeyValueStore.Open(folder.Path);
        reopened.Arn.ShouldBe(GivenArn);
    }

    [Fact]
    public void A_generated_arn_is_kept_across_opens()
    {
        string arn;
        using (var store = LocalKeyValueStore.Open(folder.Path))
            arn = store.Arn;

        using var reopened = LocalKeyValueStore.Open(folder.Path, arn);
        reopened.Arn.ShouldBe(arn);
    }

    [Fact]
    public void Opening_an_existing_store_with_another_arn_is_refused()
    {
        using (LocalKeyValueStore.Open(folder.Path, GivenArn))
        {
        }

        var error = Should.Throw<ArgumentException>(() => LocalKeyValueStore.Open(folder.Path, LocalKeyValueStore.NewArn("123456789012")));
        error.Message.ShouldContain(GivenArn);
    }

    [Theory]
    [InlineData("arn:aws:cloudfront::12345678901:key-value-store/9f1c2a5e-3b7d-4e8f-a1b2-c3d4e5f60718")]
    [InlineData("arn:aws:cloudfront:us-east-1:123456789012:key-value-store/9f1c2a5e-3b7d-4e8f-a1b2-c3d4e5f60718")]
    [InlineData("arn:aws:cloudfront::123456789012:function/9f1c2a5e-3b7d-4e8f-a1b2-c3d4e5f60718")]
    [InlineData("my-store")]
    public void A_malformed_arn_is_refused_before_anything_is_created(string arn)
    {
        Should.Throw<ArgumentException>(() => LocalKeyValueStore.Open(folder.Path, arn));

        Directory.EnumerateFileSystemEntries(folder.Path).ShouldBeEmpty();
    }

    [Fact]
    public void New_arns_are_unique_and_well_formed()
    {
        var first = LocalKeyValueStore.NewArn("123456789012");

        first.ShouldMatch("^arn:aws:cloudfront::123456789012:key-value-store/[0-9a-f-]{36}$");
        LocalKeyValueStore.NewArn("123456789012").ShouldNotBe(first);
    }
}
