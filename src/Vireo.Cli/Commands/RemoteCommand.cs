using System.CommandLine;
using System.Text;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Cli.Remotes;
using Vireo.Client;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo remote add|list|remove|switch|show</c>: named remote daemons, like <c>incus remote</c>.</summary>
internal static class RemoteCommand
{
    public static Command Create(CliApp app)
    {
        var remote = app.Docs.Create("remote", "Manage remote vireod daemons reached over TLS (named remotes)",
            """
            Like `incus remote`: a remote is a name for a vireod's TCP listener (https://HOST:PORT, see
            docs/remote-cli.md), with the SHA-256 fingerprint of its certificate, pinned when it is added, and a
            bearer token (made on the server with `vireo token create`). Any command then runs there with
            `--connect NAME` (or VIREO_CONNECT=NAME), or with every command after `vireo remote switch NAME`.
            The name "local" is the Unix socket. The remotes live in $XDG_CONFIG_HOME/vireo/remotes.json
            (~/.config/vireo/remotes.json), mode 0600 because it holds the tokens.
            """,
            "vireo remote add lab https://lab.example.net:8443 --token-file ~/lab.token",
            "vireo --connect lab list",
            "vireo remote switch lab",
            "vireo remote list");
        remote.Add(Add(app));
        remote.Add(List(app));
        remote.Add(Remove(app));
        remote.Add(Switch(app));
        remote.Add(Show(app));
        return remote;
    }

    private static Command Add(CliApp app)
    {
        var name = Arg.Name("NAME", "The remote's name (letters, digits, '.', '_', '-'; not \"local\")");
        var url = Arg.Text("URL", "vireod's TCP listener: https://HOST:PORT (port 8443 when left out)", TextKind.Name);
        var token = Opt.Text("--token", "The bearer token (vireo_ID_SECRET); beware that it is then in your shell history", "TOKEN");
        var tokenFile = Opt.Path("--token-file", "Read the token from this file (or - for stdin)", "FILE");
        var accept = Opt.Flag("--accept-certificate", "Accept and pin the server's certificate without asking (for scripts: compare the fingerprint first)");
        var fingerprint = Opt.Text("--fingerprint", "Pin the certificate only if its SHA-256 fingerprint is this one (as `vireo host info` shows it on the server)", "SHA256");
        var command = app.Docs.Create("add", "Add a remote vireod and pin its certificate",
            """
            Connects to URL and shows the SHA-256 fingerprint of the certificate the server presents. On a terminal
            it asks whether to trust it; otherwise it needs --accept-certificate, or --fingerprint with the expected
            value (compare it with `vireo host info` or the daemon's log on the server). The fingerprint is pinned:
            a later connection that meets another certificate is refused, naming both fingerprints. A certificate
            signed by an authority the system trusts, for that host name, is accepted without asking.
            With a token (--token, --token-file) the remote is tried with it first, and nothing is saved when vireod
            refuses it. The token is stored in the remotes file (mode 0600).
            """,
            "vireo remote add lab https://192.0.2.10:8443 --token-file lab.token",
            "vireo remote add lab 192.0.2.10 --fingerprint 3a:1f:...:9c --token \"$TOKEN\"",
            "vireo remote add ci https://ci.example.net:8443 --accept-certificate --token-file - < token.txt");
        command.Add(name);
        command.Add(url);
        foreach (var option in new Option[] { token, tokenFile, accept, fingerprint })
            command.Add(option);
        command.SetAction((parse, ct) => app.GuardAsync(ct, async () =>
        {
            var env = app.Env;
            string remoteName = parse.GetValue(name)!;
            if (RemotesConfig.CheckName(remoteName) is { } badName)
                throw new CliUsageException($"remote name \"{remoteName}\": {badName}");
            string urlText = parse.GetValue(url)!;
            if (RemotesConfig.ParseUrl(urlText, out var address) is { } badUrl)
                throw new CliUsageException($"URL \"{urlText}\" {badUrl}");
            string? expected = null;
            if (parse.GetValue(fingerprint) is { } fpText && (expected = TlsPinning.Normalize(fpText)) is null)
                throw new CliUsageException($"--fingerprint \"{fpText}\" is not a SHA-256 fingerprint: give 64 hex digits, colons allowed (ab:cd:...)");
            if (parse.GetValue(token) is not null && parse.GetValue(tokenFile) is not null)
                throw new CliUsageException("--token and --token-file both give the token: keep one of them");
            string? secret = parse.GetValue(token) ?? (parse.GetValue(tokenFile) is { } file ? await ReadTokenAsync(app, file, ct).ConfigureAwait(false) : null);

            string path = app.RemotesPath;
            var config = RemotesConfig.Load(path);
            if (config.Remotes.ContainsKey(remoteName))
            {
                env.Error.WriteLine($"error: a remote named {remoteName} already exists ({config.Remotes[remoteName].Url})");
                env.Error.WriteLine($"hint: remove it first with `vireo remote remove {remoteName}`, or choose another name");
                return ExitCodes.Conflict;
            }

            var probe = await VireoClient.ProbeCertificateAsync(address!, ct).ConfigureAwait(false);
            env.Error.WriteLine($"Certificate of {address}:");
            env.Error.WriteLine($"  subject      {probe.Subject}");
            env.Error.WriteLine($"  expires      {probe.NotAfter:yyyy-MM-dd}");
            env.Error.WriteLine($"  fingerprint  {probe.Fingerprint} (SHA-256)");
            if (expected is not null)
            {
                if (expected != probe.Fingerprint)
                {
                    env.Error.WriteLine($"error: the server's certificate fingerprint is {probe.Fingerprint}, not the expected {expected}; nothing was saved");
                    env.Error.WriteLine("hint: compare with `vireo host info` run on the server (or vireod's log); someone may be intercepting the connection");
                    return ExitCodes.Failed;
                }
            }
            else if (probe.AuthorityTrusted)
            {
                env.Error.WriteLine("  signed by an authority this system trusts, for this host name");
            }
            else if (!parse.GetValue(accept))
            {
                if (!(env.StdinIsTerminal && env.StderrIsTerminal))
                {
                    env.Error.WriteLine("error: the certificate is self-signed (or its authority is not trusted) and there is no terminal to confirm it; nothing was saved");
                    env.Error.WriteLine("hint: compare the fingerprint with `vireo host info` on the server, then rerun with --accept-certificate or --fingerprint FINGERPRINT");
                    return ExitCodes.Usage;
                }
                env.Error.Write("Compare it with `vireo host info` on the server. Trust this certificate? [y/N] ");
                string answer = ReadLine(env.Stdin).Trim();
                if (!answer.Equals("y", StringComparison.OrdinalIgnoreCase) && !answer.Equals("yes", StringComparison.OrdinalIgnoreCase))
                {
                    env.Error.WriteLine("error: the certificate was not accepted; nothing was saved");
                    return ExitCodes.Failed;
                }
            }

            var entry = new RemoteEntry { Url = address!.ToString(), Fingerprint = probe.Fingerprint, Token = secret };
            if (secret is not null)
            {
                // Try the token over the pinned connection before saving anything.
                using var client = VireoClient.ForRemote(address, secret, probe.Fingerprint);
                var host = await client.GetHostAsync(ct).ConfigureAwait(false);
                env.Error.WriteLine($"Token accepted by vireod {host.Version} on {host.Hostname}.");
            }
            config.Remotes[remoteName] = entry;
            config.Save(path);
            env.Out.WriteLine($"Remote {remoteName} added: {address}, certificate {probe.Fingerprint} pinned.");
            if (secret is null)
                env.Out.WriteLine($"No token stored: give one with --token or VIREO_TOKEN (made on the server by `vireo token create`).");
            env.Out.WriteLine($"Use it with `vireo --connect {remoteName} COMMAND`, or for every command: `vireo remote switch {remoteName}`.");
            return ExitCodes.Ok;
        }, unauthorizedHint: "the token was refused: check it, or make a new one on the server with `vireo token create --role operator`; nothing was saved"));
        return command;
    }

    private static Command List(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List the remotes",
            "Every remote with its address, pinned fingerprint, whether a token is stored (never the token itself) and\nwhich one is the default. \"local\" is the Unix socket. With -o json: an array of {name, url, fingerprint,\ntoken, default}.",
            "vireo remote list", "vireo remote list -o json | jq -r '.[].name'");
        command.Add(output);
        command.SetAction((parse, ct) => app.GuardAsync(ct, () =>
        {
            var config = RemotesConfig.Load(app.RemotesPath);
            string current = config.DefaultRemote ?? RemotesConfig.Local;
            var rows = new List<RemoteView> { new() { Name = RemotesConfig.Local, Url = "unix://" + VireoClient.DefaultSocketPath, Default = current == RemotesConfig.Local } };
            rows.AddRange(config.Remotes.Select(r => new RemoteView
            {
                Name = r.Key, Url = r.Value.Url, Fingerprint = r.Value.Fingerprint, Token = r.Value.Token is not null, Default = current == r.Key,
            }));
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, rows, CliJsonContext.Default.ListRemoteView);
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = new ColumnTable(new TextColumn("NAME"), new TextColumn("URL"), new TextColumn("TOKEN"), new TextColumn("FINGERPRINT", Shrinkable: true, Droppable: true));
            foreach (var r in rows)
                table.AddRow(r.Name + (r.Default ? " (default)" : ""), r.Url, r.Name == RemotesConfig.Local ? "-" : r.Token ? "yes" : "no",
                    r.Fingerprint is { } f ? f[..23] + "..." : "-");
            foreach (var line in table.Render(app.Env.Width))
                app.Env.Out.WriteLine(line);
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Remove(CliApp app)
    {
        var name = Arg.Name("NAME", "The remote to forget");
        var command = app.Docs.Create("remove", "Forget a remote (its pinned fingerprint and token)",
            "Removes the remote from the remotes file; when it was the default, \"local\" becomes the default. Nothing\nchanges on the server: revoke its token there with `vireo token revoke`.",
            "vireo remote remove lab");
        command.Add(name);
        command.SetAction((parse, ct) => app.GuardAsync(ct, () =>
        {
            string remoteName = parse.GetValue(name)!;
            string path = app.RemotesPath;
            var config = RemotesConfig.Load(path);
            if (!config.Remotes.Remove(remoteName))
                return Task.FromResult(NoSuchRemote(app, remoteName, config));
            if (config.DefaultRemote == remoteName)
                config = config with { DefaultRemote = null };
            config.Save(path);
            app.Env.Out.WriteLine($"Remote {remoteName} removed.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Switch(CliApp app)
    {
        var name = Arg.Name("NAME", "The remote commands use by default (\"local\": the Unix socket)");
        var command = app.Docs.Create("switch", "Make a remote the default for every command",
            "Commands then run there unless --connect, --socket, VIREO_CONNECT or VIREO_SOCKET says otherwise.\n`vireo remote switch local` goes back to the Unix socket.",
            "vireo remote switch lab", "vireo remote switch local");
        command.Add(name);
        command.SetAction((parse, ct) => app.GuardAsync(ct, () =>
        {
            string remoteName = parse.GetValue(name)!;
            string path = app.RemotesPath;
            var config = RemotesConfig.Load(path);
            if (remoteName != RemotesConfig.Local && !config.Remotes.ContainsKey(remoteName))
                return Task.FromResult(NoSuchRemote(app, remoteName, config));
            config = config with { DefaultRemote = remoteName == RemotesConfig.Local ? null : remoteName };
            config.Save(path);
            app.Env.Out.WriteLine($"Default remote: {remoteName}.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Show(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("show", "Show which vireod commands talk to, and why",
            "Resolves --connect, --socket, VIREO_CONNECT, VIREO_SOCKET and the default remote as any command would\n(in that order) and prints the result: the remote or socket, where the choice came from, the pinned\nfingerprint and where the token comes from (never the token). It does not connect.",
            "vireo remote show", "VIREO_CONNECT=lab vireo remote show -o json");
        command.Add(output);
        command.SetAction((parse, ct) => app.GuardAsync(ct, () =>
        {
            var target = app.Target(parse);
            var view = new RemoteView
            {
                Name = target.Name ?? (target.IsRemote ? "-" : RemotesConfig.Local),
                Url = target.Url?.ToString() ?? "unix://" + target.Socket,
                Fingerprint = target.Fingerprint,
                Token = target.Token is not null,
                TokenSource = target.TokenSource,
                Source = target.Source,
            };
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, view, CliJsonContext.Default.RemoteView);
                return Task.FromResult(ExitCodes.Ok);
            }
            var o = app.Env.Out;
            o.WriteLine($"Remote:       {view.Name}");
            o.WriteLine($"Address:      {view.Url}");
            o.WriteLine($"Chosen by:    {view.Source}");
            if (target.IsRemote)
            {
                o.WriteLine($"Fingerprint:  {view.Fingerprint ?? "none pinned (only a certificate from a trusted authority is accepted)"}");
                o.WriteLine($"Token:        {view.TokenSource ?? "none (requests will be refused with 401)"}");
            }
            o.WriteLine($"Remotes file: {app.RemotesPath}");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static int NoSuchRemote(CliApp app, string name, RemotesConfig config)
    {
        app.Env.Error.WriteLine($"error: no remote named {name} (known: {string.Join(", ", config.Remotes.Keys.Prepend(RemotesConfig.Local))})");
        app.Env.Error.WriteLine("hint: `vireo remote list` shows them; `vireo remote add NAME https://HOST:PORT` adds one");
        return ExitCodes.NotFound;
    }

    private static async Task<string> ReadTokenAsync(CliApp app, string file, CancellationToken ct)
    {
        string text = await FileErrors.ReadTextAsync(app.Env, file, "token file", ct).ConfigureAwait(false);
        string t = text.Trim();
        if (t.Length == 0 || t.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new CliUsageException($"--token-file {file}: the file must hold one token (vireo_ID_SECRET) and nothing else");
        return t;
    }

    /// <summary>One line from a terminal, read byte by byte so nothing after it is consumed.</summary>
    private static string ReadLine(Stream stdin)
    {
        var bytes = new List<byte>();
        int b;
        while ((b = stdin.ReadByte()) >= 0 && b != '\n')
            bytes.Add((byte)b);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

/// <summary><c>vireo remote list|show -o json</c>: a remote without its token.</summary>
internal sealed record RemoteView
{
    public required string Name { get; init; }
    public required string Url { get; init; }
    public string? Fingerprint { get; init; }
    /// <summary>Whether a token is stored (list) or given (show); never the token.</summary>
    public bool Token { get; init; }
    public string? TokenSource { get; init; }
    /// <summary>show: what chose it (--connect, VIREO_CONNECT, the default remote...).</summary>
    public string? Source { get; init; }
    public bool Default { get; init; }
}
