using Vireo.Client;

namespace Vireo.Cli.Remotes;

/// <summary>
/// Which vireod a command talks to: the local Unix socket, or a remote over TLS with its pinned fingerprint and
/// token. <see cref="Source"/> says where the choice came from (for `vireo remote show` and error messages).
/// </summary>
internal sealed record RemoteTarget
{
    /// <summary>The socket path when local.</summary>
    public string? Socket { get; init; }
    /// <summary>The https base address when remote.</summary>
    public Uri? Url { get; init; }
    /// <summary>The remote's name in the remotes file, when it has one.</summary>
    public string? Name { get; init; }
    public string? Fingerprint { get; init; }
    public string? Token { get; init; }
    /// <summary>Where the token came from: --token, VIREO_TOKEN or the remotes file.</summary>
    public string? TokenSource { get; init; }
    /// <summary>--connect, VIREO_CONNECT, --socket, VIREO_SOCKET, the default remote, or the built-in default.</summary>
    public required string Source { get; init; }

    public bool IsRemote => Url is not null;

    /// <summary>How messages name it: "remote NAME (https://...)", the URL, or the socket path.</summary>
    public string Describe() => Url is null ? Socket! : Name is null ? Url.ToString() : $"remote {Name} ({Url})";

    public VireoClient CreateClient() =>
        Url is null ? new VireoClient(Socket!) : VireoClient.ForRemote(Url, Token, Fingerprint);

    /// <summary>
    /// The precedence: --connect, then --socket (both flags), then $VIREO_CONNECT, then $VIREO_SOCKET, then the
    /// default remote of the remotes file, then the built-in socket path. A token: --token, then $VIREO_TOKEN, then
    /// the one stored with the remote. <paramref name="connect"/> is a remote name, "local", or an https address
    /// (whose pinned fingerprint and token are taken from a stored remote with the same address, if any).
    /// </summary>
    public static RemoteTarget Resolve(string? connectFlag, string? socketFlag, string? tokenFlag, Func<string, string?> getVariable,
        string currentDirectory, Func<RemotesConfig> loadConfig)
    {
        static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
        string? connectEnv = Clean(getVariable(ConnectVariable));
        string? socketEnv = Clean(getVariable(VireoClient.SocketEnvironmentVariable));
        string? token = Clean(tokenFlag);
        string? tokenSource = token is null ? null : "--token";
        if (token is null && Clean(getVariable(TokenVariable)) is { } envToken)
            (token, tokenSource) = (envToken, TokenVariable);

        RemoteTarget Local(string path, string source) =>
            new() { Socket = System.IO.Path.GetFullPath(path, currentDirectory), Source = source };

        RemoteTarget Named(string what, string source)
        {
            if (what == RemotesConfig.Local)
                return Local(socketFlag ?? socketEnv ?? VireoClient.DefaultSocketPath, source);
            var config = loadConfig();
            if (!what.Contains("://", StringComparison.Ordinal) && !what.Contains(':') && !what.Contains('/'))
            {
                if (!config.Remotes.TryGetValue(what, out var entry))
                    throw new CliUsageException(
                        $"{source} \"{what}\" is not a known remote (known: {Known(config)}): add it with `vireo remote add {what} https://HOST:PORT`, " +
                        "or give an address https://HOST:PORT");
                return FromEntry(what, entry, source);
            }
            if (RemotesConfig.ParseUrl(what, out var url) is { } problem)
                throw new CliUsageException($"{source} \"{what}\" {problem}");
            var match = config.Remotes.FirstOrDefault(r => RemotesConfig.ParseUrl(r.Value.Url, out var u) is null && u == url);
            if (match.Value is not null)
                return FromEntry(match.Key, match.Value, source);
            return new RemoteTarget { Url = url, Token = token, TokenSource = tokenSource, Source = source };
        }

        RemoteTarget FromEntry(string name, RemoteEntry entry, string source)
        {
            if (RemotesConfig.ParseUrl(entry.Url, out var url) is { } problem)
                throw new CliUsageException($"the remote {name}'s address \"{entry.Url}\" {problem}: fix it with `vireo remote remove {name}` and `vireo remote add`");
            var (t, ts) = token is not null ? (token, tokenSource) : (entry.Token, entry.Token is null ? null : "the remotes file");
            return new RemoteTarget { Url = url, Name = name, Fingerprint = entry.Fingerprint, Token = t, TokenSource = ts, Source = source };
        }

        if (Clean(connectFlag) is { } c)
            return Named(c, "--connect");
        if (Clean(socketFlag) is { } s)
            return Local(s, "--socket");
        if (connectEnv is not null)
            return Named(connectEnv, ConnectVariable);
        if (socketEnv is not null)
            return Local(socketEnv, VireoClient.SocketEnvironmentVariable);
        var defaults = loadConfig();
        if (defaults.DefaultRemote is { } d && d != RemotesConfig.Local)
        {
            if (!defaults.Remotes.TryGetValue(d, out var entry))
                throw new CliUsageException($"the default remote \"{d}\" is not in the remotes file: run `vireo remote switch local` or `vireo remote add {d} https://HOST:PORT`");
            return FromEntry(d, entry, "the default remote");
        }
        return Local(VireoClient.DefaultSocketPath, "the default socket");
    }

    private static string Known(RemotesConfig config) =>
        config.Remotes.Count == 0 ? "none but local" : "local, " + string.Join(", ", config.Remotes.Keys);

    /// <summary>The remote (name or https address) every command uses, like --connect.</summary>
    public const string ConnectVariable = "VIREO_CONNECT";

    /// <summary>The bearer token for a remote, like --token.</summary>
    public const string TokenVariable = "VIREO_TOKEN";
}
