using Xunit;

namespace ActorEdge.Persistence.NodeLocal;

public sealed class RecordLayoutTests
{
    [Fact]
    public void Escape_UnsafeEmptyAndLongNames_StayInsideOneDirectoryLevel()
    {
        Assert.Equal("%", RecordLayout.Escape(""));
        Assert.Equal("%2E.", RecordLayout.Escape(".."));
        Assert.Equal("%2Ehidden", RecordLayout.Escape(".hidden"));
        Assert.Equal("a%2Fb%5Cc%20d", RecordLayout.Escape("a/b\\c d"));
        Assert.Equal("%C3%A9t%C3%A9", RecordLayout.Escape("été"));
        Assert.Equal("Key-1_x.y", RecordLayout.Escape("Key-1_x.y"));
        var longName = RecordLayout.Escape(new string('k', 500));
        Assert.Equal(183, longName.Length);
        Assert.Equal(new string('k', 150) + "~", longName[..151]);
        Assert.NotEqual(longName, RecordLayout.Escape(new string('k', 499) + "j"));
    }
}
