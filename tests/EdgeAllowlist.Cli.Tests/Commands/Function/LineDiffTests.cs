using EdgeAllowlist.Cli.Commands.Function;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

/// <summary>The dry run's code diff is the unified format <c>diff -u</c> prints (expected outputs produced with GNU diff).</summary>
public sealed class LineDiffTests
{
    [Fact]
    public void Changes_far_apart_are_two_hunks_with_three_lines_of_context_as_diff_u_prints_them()
    {
        var diff = LineDiff.Unified("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", "a\nb\nX\nd\ne\nf\ng\nh\ni\nj\nk\nm\nn\n", "old", "new");

        diff.ShouldBe([
            "--- old", "+++ new",
            "@@ -1,6 +1,6 @@", " a", " b", "-c", "+X", " d", " e", " f",
            "@@ -9,5 +9,5 @@", " i", " j", " k", "-l", " m", "+n",
        ]);
    }

    [Fact]
    public void A_new_file_is_one_hunk_from_line_zero() =>
        LineDiff.Unified("", "x\ny\n", "old", "new").ShouldBe(["--- old", "+++ new", "@@ -0,0 +1,2 @@", "+x", "+y"]);

    [Fact]
    public void Equal_texts_have_no_diff_whatever_their_line_endings() =>
        LineDiff.Unified("a\r\nb\r\n", "a\nb", "old", "new").ShouldBeEmpty();
}
