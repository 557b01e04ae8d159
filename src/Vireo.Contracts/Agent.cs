namespace Vireo.Contracts;

/// <summary>Answer of <c>GET /v1/vms/{name}/agent/ping</c>: whether the guest agent answered, and how fast.</summary>
public sealed record AgentPingResult
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>True when the agent answered guest-sync-delimited and guest-ping.</summary>
    public required bool Answered { get; init; }
    /// <summary>Milliseconds from connecting to the answer (or to giving up).</summary>
    public required double Milliseconds { get; init; }
    /// <summary>Why it did not answer (null when it did).</summary>
    public string? Detail { get; init; }
}

/// <summary>Answer of <c>GET /v1/vms/{name}/agent/info</c>: what the guest agent says about itself and the guest.</summary>
public sealed record AgentInfo
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>qemu-ga version, for example <c>7.2.0</c>.</summary>
    public required string Version { get; init; }
    /// <summary>The guest's OS (os-release PRETTY_NAME), when the agent tells it.</summary>
    public string? Os { get; init; }
    /// <summary>os-release ID and VERSION_ID, for example <c>debian</c>, <c>12</c>.</summary>
    public string? OsId { get; init; }
    /// <summary>os-release VERSION_ID.</summary>
    public string? OsVersion { get; init; }
    /// <summary>The guest kernel (uname -r).</summary>
    public string? Kernel { get; init; }
    /// <summary>The guest's host name.</summary>
    public string? Hostname { get; init; }
    /// <summary>Commands the agent has enabled.</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
}

/// <summary>Body of <c>POST /v1/vms/{name}/agent/exec</c>: run a program in the guest (no shell).</summary>
public sealed record ExecRequest
{
    /// <summary>Program to run; a name without '/' is looked up in the agent's PATH.</summary>
    public required string Path { get; init; }
    /// <summary>Its arguments.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
    /// <summary>Bytes for its standard input (base64 in JSON), at most 1 MiB.</summary>
    public byte[]? Input { get; init; }
    /// <summary>Seconds it may run before it is killed, 1 to 86400 (default 60).</summary>
    public int? TimeoutSeconds { get; init; }
}

/// <summary>Answer of <c>POST /v1/vms/{name}/agent/exec</c>.</summary>
public sealed record ExecResult
{
    /// <summary>VM name.</summary>
    public required string Name { get; init; }
    /// <summary>False when the guest could not start the program (see <see cref="Error"/>).</summary>
    public required bool Started { get; init; }
    /// <summary>Its exit code, when it exited by itself.</summary>
    public int? ExitCode { get; init; }
    /// <summary>The signal that ended it, when it was killed.</summary>
    public int? Signal { get; init; }
    /// <summary>Standard output (base64 in JSON), at most 1 MiB.</summary>
    public byte[] Stdout { get; init; } = [];
    /// <summary>Standard error (base64 in JSON), at most 1 MiB.</summary>
    public byte[] Stderr { get; init; } = [];
    /// <summary>True when output was cut (by the agent, or at 1 MiB per stream).</summary>
    public bool Truncated { get; init; }
    /// <summary>True when it ran past the timeout.</summary>
    public bool TimedOut { get; init; }
    /// <summary>After a timeout: whether the guest process was killed (SIGKILL through the agent).</summary>
    public bool? Killed { get; init; }
    /// <summary>Why it did not start (the agent's message), or what went wrong killing it.</summary>
    public string? Error { get; init; }
    /// <summary>The guest PID it ran as.</summary>
    public long? Pid { get; init; }
}

/// <summary>Body of <c>POST /v1/vms/{name}/agent/set-user-password</c>. The password is never stored or logged.</summary>
public sealed record SetUserPasswordRequest
{
    /// <summary>An existing user in the guest.</summary>
    public required string User { get; init; }
    /// <summary>The new password, in clear: the agent hashes it in the guest (chpasswd).</summary>
    public required string Password { get; init; }
}
