using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Storage;

/// <summary>No pool or volume has that name.</summary>
public sealed class StorageNotFoundException(string kind, string name, string hint)
    : VireoException(ErrorCodes.NotFound, $"{kind} \"{name}\" does not exist; {hint}")
{
    public static StorageNotFoundException Pool(string name) => new("pool", name, "`vireo pool list` shows the pools");

    public static StorageNotFoundException Volume(string reference) =>
        new("volume", reference, "`vireo vol list` shows the volumes");
}

/// <summary>The pool's file system is full; whatever the operation had written was removed.</summary>
public sealed class NoSpaceException(string message, Exception? inner = null)
    : VireoException(StorageErrorCodes.NoSpace, message, inner);
