using ActorEdge;
using ActorEdge.Persistence.NodeLocal;
using Microsoft.Extensions.Logging.Abstractions;

// Writes a stream of states to a NodeLocal store until it is killed, and prints one line per
// acknowledged write: "ack {grainKey} {etag} {count}". The state of count n is CrashState.For(n).
// Usage: CrashWriter {rootPath} {writers} {grainsPerWriter}
var root = args[0];
var writers = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var grainsPerWriter = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
using var storage = new NodeLocalGrainStorage("crash", "svc", root, new NodeLocalStorageOptions(), NullLogger<NodeLocalGrainStorage>.Instance);
var output = Console.Out;
var outputLock = new object();
output.WriteLine("ready");
output.Flush();

await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
{
    var states = new GrainState<CrashState>[grainsPerWriter];
    for (var g = 0; g < grainsPerWriter; g++)
    {
        states[g] = new GrainState<CrashState>(new CrashState());
        // Continue after a previous run: the store's version is the ETag to write on.
        await storage.ReadStateAsync("s", CrashState.GrainOf(w, g), states[g]);
    }
    for (var n = 1; ; n++)
    {
        var g = n % grainsPerWriter;
        var state = states[g];
        var count = state.State.Count + 1;
        state.State = CrashState.For(count);
        await storage.WriteStateAsync("s", CrashState.GrainOf(w, g), state);
        lock (outputLock)
        {
            output.WriteLine($"ack {CrashState.GrainOf(w, g).Key} {state.ETag} {count}");
            output.Flush();
        }
    }
})));
