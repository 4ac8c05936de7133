using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.NodeLocal;

internal sealed partial class NodeLocalGrainStorage
{
    [LoggerMessage(Level = LogLevel.Information, Message = "NodeLocal grain storage '{Name}' owns '{Root}': {Options}")]
    private static partial void LogInformationCreated(ILogger logger, string name, string root, string options);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NodeLocal grain storage '{Name}' removed {Count} temporary files left by a crash under '{Root}'")]
    private static partial void LogWarningTemporaryFilesRemoved(ILogger logger, string name, int count, string root);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NodeLocal grain storage '{Name}' could not {Operation} '{Path}': {Reason}")]
    private static partial void LogWarningFailed(ILogger logger, string name, string operation, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "NodeLocal grain storage '{Name}': the record file '{Path}' is corrupt: {Reason}")]
    private static partial void LogErrorCorrupt(ILogger logger, string name, string path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NodeLocal grain storage '{Name}' exported '{Path}' (version {Version}, {Bytes} bytes) for the migration of {GrainId} to {Target}")]
    private static partial void LogDebugExported(ILogger logger, string name, string path, ulong version, int bytes, GrainId grainId, SiloAddress target);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NodeLocal grain storage '{Name}' holds no record at '{Path}' to export for {GrainId}")]
    private static partial void LogDebugNothingToExport(ILogger logger, string name, string path, GrainId grainId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NodeLocal grain storage '{Name}' imported '{Path}' (version {Version}) from {Source}")]
    private static partial void LogDebugImported(ILogger logger, string name, string path, ulong version, SiloAddress source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NodeLocal grain storage '{Name}': the import from {Source} replaced '{Path}' at version {LocalVersion} with the older version {ImportedVersion} (the source is authoritative)")]
    private static partial void LogWarningImportReplacedNewer(ILogger logger, string name, SiloAddress source, string path, ulong localVersion, ulong importedVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NodeLocal grain storage '{Name}' removed '{Path}' (version {Version}) after the migration of {GrainId} to {Target}")]
    private static partial void LogDebugCompleted(ILogger logger, string name, string path, ulong version, GrainId grainId, SiloAddress target);

    [LoggerMessage(Level = LogLevel.Information, Message = "NodeLocal grain storage '{Name}' kept '{Path}' after the migration of {GrainId}: {Reason}")]
    private static partial void LogInformationCompleteKept(ILogger logger, string name, string path, GrainId grainId, string reason);
}
