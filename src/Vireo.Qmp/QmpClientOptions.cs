namespace Vireo.Qmp;

/// <summary>Settings of a <see cref="QmpClient"/>.</summary>
public sealed record QmpClientOptions
{
    /// <summary>How long a command may wait for its reply. Default 30 s.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting and reading the greeting may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives every line sent (prefixed "-> ") and received ("&lt;- "); null disables tracing.</summary>
    public Action<string>? Trace { get; init; }
}

/// <summary>What QEMU says when a client connects.</summary>
public sealed record QmpGreeting
{
    /// <summary>QEMU major version.</summary>
    public int Major { get; init; }

    /// <summary>QEMU minor version.</summary>
    public int Minor { get; init; }

    /// <summary>QEMU micro version.</summary>
    public int Micro { get; init; }

    /// <summary>Distribution package string, e.g. <c>Debian 1:7.2+dfsg-7+deb12u18</c>.</summary>
    public string Package { get; init; } = "";

    /// <summary>Optional capabilities QEMU offers (e.g. <c>oob</c>).</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>The version as <c>major.minor.micro</c>.</summary>
    public override string ToString() => $"{Major}.{Minor}.{Micro}";
}
