namespace Vireo.Persistence;

/// <summary>A VM with the same name (or UUID) is already stored.</summary>
public sealed class DuplicateVmException(string field, string value)
    : Exception($"a VM with {field} \"{value}\" already exists")
{
    public string Field { get; } = field;
    public string Value { get; } = value;
}

/// <summary>The database file cannot be opened or is not a Vireo database.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
