using ActorEdge.Serialization;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>The state the crash writer writes: its content follows from <see cref="Count"/>, so a reader can check it.</summary>
[GenerateSerializer]
public sealed class CrashState
{
    [Id(0)]
    public int Count { get; set; }

    [Id(1)]
    public byte[] Blob { get; set; } = [];

    public static GrainId GrainOf(int writer, int grain) => new("crash", $"w{writer}-g{grain}");

    /// <summary>Between 1 KB and about 300 KB, every byte derived from the count.</summary>
    public static CrashState For(int count)
    {
        var blob = new byte[1024 + (count * 7919 % (300 * 1024))];
        for (var i = 0; i < blob.Length; i++)
        {
            blob[i] = (byte)(count + i);
        }
        return new CrashState { Count = count, Blob = blob };
    }
}
