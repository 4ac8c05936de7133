using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ActorEdge.Runtime.Diagnostics;

/// <summary>
/// The Meter and ActivitySource named "ActorEdge". Instruments are process-wide (as .NET's own
/// are); tags say which silo and grain type a measurement belongs to.
/// </summary>
internal static class ActorEdgeInstruments
{
    public const string Name = "ActorEdge";

    public static readonly Meter Meter = new(Name, "1.0");
    public static readonly ActivitySource ActivitySource = new(Name, "1.0");

    public static readonly UpDownCounter<long> Activations = Meter.CreateUpDownCounter<long>("actoredge.activations", description: "Live grain activations.");
    public static readonly Counter<long> ActivationsCreated = Meter.CreateCounter<long>("actoredge.activations.created", description: "Activations created.");
    public static readonly Counter<long> ActivationsFailed = Meter.CreateCounter<long>("actoredge.activations.failed", description: "Activations whose OnActivateAsync or state read failed.");
    public static readonly Counter<long> ActivationsCollected = Meter.CreateCounter<long>("actoredge.activations.collected", description: "Activations deactivated because they were idle.");

    public static readonly Counter<long> CallsSent = Meter.CreateCounter<long>("actoredge.calls.sent", description: "Grain calls made by this process.");
    public static readonly Counter<long> CallTimeouts = Meter.CreateCounter<long>("actoredge.calls.timeouts", description: "Grain calls that got no response in time.");
    public static readonly Counter<long> CallsReceived = Meter.CreateCounter<long>("actoredge.calls", description: "Grain calls executed, by grain type, method and outcome.");
    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>("actoredge.call.duration", unit: "ms", description: "Time from dispatch to completion of a grain call, by grain type and method.");

    public static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("actoredge.messages.sent", description: "Messages sent to other processes.");
    public static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>("actoredge.messages.received", description: "Messages received from other processes.");
    public static readonly Counter<long> MessagesForwarded = Meter.CreateCounter<long>("actoredge.messages.forwarded", description: "Requests forwarded because they reached a silo that does not host the grain.");
    public static readonly Counter<long> ConnectionsClosedOnError = Meter.CreateCounter<long>("actoredge.connections.errors", description: "Connections closed because of a malformed frame or an I/O error.");

    public static readonly Histogram<double> MigrationDuration = Meter.CreateHistogram<double>("actoredge.migration.duration", unit: "ms",
        description: "Duration of each component of a migration (component: decision, dehydrate, the storage steps such as flush, import, leader-move, catch-up, transfer, directory, activation, total), by grain type and trigger.");
    public static readonly Histogram<double> StorageDuration = Meter.CreateHistogram<double>("actoredge.storage.duration", unit: "ms",
        description: "Duration of grain storage operations as grains see them, by provider (its registered name), operation (read, write, clear) and outcome (ok, error).");
    public static readonly Histogram<double> MigrationDisruption = Meter.CreateHistogram<double>("actoredge.migration.disruption", unit: "ms",
        description: "Latency, seen by the caller, of each call that waited for a migration of its grain (the service disruption a caller observed), by grain type.");
    public static readonly Histogram<double> MigrationDelay = Meter.CreateHistogram<double>("actoredge.migration.delay", unit: "ms",
        description: "What a migration added to each call that waited for it, seen by the caller: the call's latency less the time its grain method ran (held at the source, forwarded, waiting for the new activation, and the crossings), by grain type.");
    public static readonly Counter<long> Migrations = Meter.CreateCounter<long>("actoredge.migrations", description: "Migrations, by grain type, trigger and outcome (migrated, failed).");

    public static readonly Counter<long> DirectoryLookups = Meter.CreateCounter<long>("actoredge.directory.lookups", description: "Grain directory lookups, by whether the cache answered.");
}
