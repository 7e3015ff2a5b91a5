using System.Collections.Immutable;
using System.Security.Cryptography;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Tests.Writer;

/// <summary>The mirror's seal: kept up to date row by row, broken by any edit of the rows, and telling another key apart from an edit.</summary>
public sealed class MirrorSealTests
{
    static readonly MirrorSeal Seal = new(RandomNumberGenerator.GetBytes(32));

    static readonly ImmutableSortedDictionary<string, string> Items = new Dictionary<string, string>
    {
        ["cfg"] = "{\"mode\":\"enforce\"}",
        ["o:https://a.example"] = "{}",
        ["o:https://b.example"] = "{\"exp\":1}",
    }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    [Fact]
    public void A_digest_updated_per_row_equals_the_digest_of_the_whole_mirror()
    {
        var digest = Seal.DigestOf(Items);
        digest = Seal.Update(digest, "o:https://a.example", "{}", null);
        digest = Seal.Update(digest, "o:https://b.example", "{\"exp\":1}", "{}");
        digest = Seal.Update(digest, "o:https://c.example", null, "{}");

        digest.ShouldBe(Seal.DigestOf(Items.Remove("o:https://a.example").SetItem("o:https://b.example", "{}").SetItem("o:https://c.example", "{}")));
    }

    [Theory]
    [InlineData("insert")]
    [InlineData("delete")]
    [InlineData("edit")]
    [InlineData("move a byte between key and value")]
    public void Any_edit_of_the_rows_under_the_same_ETag_breaks_the_seal(string edit)
    {
        var seal = Seal.Seal("KV1", Items.Count, Seal.DigestOf(Items));
        var edited = edit switch
        {
            "insert" => Items.SetItem("o:https://phantom.example", "{}"),
            "delete" => Items.Remove("o:https://a.example"),
            "edit" => Items.SetItem("o:https://b.example", "{\"exp\":2}"),
            _ => Items.Remove("o:https://a.example").SetItem("o:https://a.exampl", "e{}"),
        };

        Seal.Check(seal, "KV1", Items.Count, Seal.DigestOf(Items)).ShouldBe(SealCheck.Valid);
        Seal.Check(seal, "KV1", edited.Count, Seal.DigestOf(edited)).ShouldBe(SealCheck.Invalid);
        Seal.Check(seal, "KV2", Items.Count, Seal.DigestOf(Items)).ShouldBe(SealCheck.Invalid);
    }

    [Fact]
    public void A_seal_made_with_another_key_or_none_is_in_doubt_not_valid()
    {
        var other = new MirrorSeal(RandomNumberGenerator.GetBytes(32));
        Seal.Check(other.Seal("KV1", Items.Count, other.DigestOf(Items)), "KV1", Items.Count, Seal.DigestOf(Items)).ShouldBe(SealCheck.OtherKey);
        Seal.Check(null, "KV1", Items.Count, Seal.DigestOf(Items)).ShouldBe(SealCheck.Missing);
    }
}
