using System.Buffers;

namespace ActorEdge.Runtime.Tests.Infrastructure;

/// <summary>Builds multi-segment byte sequences, as a pipe hands them over.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        if (cuts.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }
        Segment? first = null, last = null;
        var start = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            var segment = new Segment(bytes.AsMemory(start, cut - start));
            if (first is null)
            {
                first = last = segment;
            }
            else
            {
                last = last!.Append(segment);
            }
            start = cut;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
