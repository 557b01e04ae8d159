using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Storage;

/// <summary>No pool or volume has that name.</summary>
public sealed class StorageNotFoundException : VireoException
{
    public StorageNotFoundException(string kind, string name, string hint)
        : base(ErrorCodes.NotFound, $"{kind} \"{name}\" does not exist") => Hint = hint;

    public static StorageNotFoundException Pool(string name) => new("pool", name, hint: "List the pools: vireo pool list");

    public static StorageNotFoundException Volume(string reference) =>
        new("volume", reference, hint: StorageNames.TrySplit(reference, out var pool, out _, out _)
            ? $"List the volumes of pool {pool}: vireo vol list {pool}"
            : "List the volumes: vireo vol list");
}

/// <summary>The pool's file system is full; whatever the operation had written was removed.</summary>
public sealed class NoSpaceException(string message, Exception? inner = null)
    : VireoException(StorageErrorCodes.NoSpace, message, inner);
