namespace Vireo.Qmp;

/// <summary>Settings of a <see cref="QmpClient"/>.</summary>
public sealed record QmpClientOptions
{
    /// <summary>Default options: 30 s per command, 10 s to connect and negotiate, no tracing.</summary>
    public static QmpClientOptions Default { get; } = new();

    /// <summary>
    /// How long a command may wait for its reply before it fails with <see cref="QmpTimeoutException"/>
    /// (default 30 s). <see cref="Timeout.InfiniteTimeSpan"/> disables it. A call can pass its own timeout to
    /// <see cref="QmpClient.ExecuteAsync{TResult}(QmpCommand{TResult}, TimeSpan, CancellationToken)"/>.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long connecting may take, from opening the socket to the answer of <c>qmp_capabilities</c> (default 10 s).
    /// QEMU serves one monitor client at a time: a second client is accepted by the kernel but never greeted, so
    /// this is what turns "someone else holds the monitor" into an error instead of a hang.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest single message accepted from QEMU, in bytes (default 16 MiB; <c>query-qmp-schema</c>, the largest
    /// reply QEMU 7.2 sends, is well under 1 MiB). A larger message is a <see cref="QmpProtocolException"/>.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Receives every JSON message sent (prefixed <c>"-&gt; "</c>) and received (prefixed <c>"&lt;- "</c>), plus
    /// connection notes. Called from the client's I/O paths, so it must be fast and must not throw. Null (the default)
    /// logs nothing.
    /// </summary>
    public Action<string>? Trace { get; init; }
}
