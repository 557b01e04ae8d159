using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Backups;

/// <summary>No backup (no readable manifest) at the given place.</summary>
public sealed class BackupNotFoundException(string message) : VireoException(ErrorCodes.NotFound, message);
