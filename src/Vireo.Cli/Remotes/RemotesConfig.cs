using System.Text.Json;
using System.Text.Json.Serialization;
using Vireo.Cli.Output;

namespace Vireo.Cli.Remotes;

/// <summary>One named remote vireod: its https address, the pinned certificate fingerprint and the token.</summary>
internal sealed record RemoteEntry
{
    public required string Url { get; init; }
    /// <summary>SHA-256 of the server certificate accepted at <c>remote add</c> (lowercase, colon-separated).</summary>
    public string? Fingerprint { get; init; }
    /// <summary>The bearer token; the file is mode 0600, like ~/.config/incus/ and ~/.kube/config.</summary>
    public string? Token { get; init; }
}

/// <summary>
/// <c>$XDG_CONFIG_HOME/vireo/remotes.json</c> (default <c>~/.config/vireo/remotes.json</c>): the named remotes and
/// the default one. Written atomically (a temporary file in the same directory, created 0600, then renamed).
/// </summary>
internal sealed record RemotesConfig
{
    /// <summary>The remote commands use when neither --connect nor VIREO_CONNECT names one; null or "local": the socket.</summary>
    public string? DefaultRemote { get; init; }
    public SortedDictionary<string, RemoteEntry> Remotes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The reserved name of the local Unix socket.</summary>
    public const string Local = "local";

    /// <summary>Where the file is, from the environment (XDG_CONFIG_HOME, else HOME).</summary>
    public static string PathFor(Func<string, string?> getVariable)
    {
        string? dir = getVariable("XDG_CONFIG_HOME");
        if (string.IsNullOrWhiteSpace(dir) || !System.IO.Path.IsPathRooted(dir))
        {
            string? home = getVariable("HOME");
            if (string.IsNullOrWhiteSpace(home))
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            dir = System.IO.Path.Combine(home, ".config");
        }
        return System.IO.Path.Combine(dir, "vireo", "remotes.json");
    }

    /// <summary>Reads the file; an absent file is an empty configuration. A damaged one is an error naming it.</summary>
    public static RemotesConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new RemotesConfig();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read the remotes file {path}: {e.Message}");
        }
        try
        {
            var config = JsonSerializer.Deserialize(text, CliJsonContext.Default.RemotesConfig)
                         ?? throw new JsonException("it is JSON null");
            return config with { Remotes = new SortedDictionary<string, RemoteEntry>(config.Remotes ?? new(), StringComparer.Ordinal) };
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"the remotes file {path} is not valid: {e.Message}; fix it, or remove it and add the remotes again");
        }
    }

    /// <summary>Writes the file atomically, mode 0600, its directory 0700 when created.</summary>
    public void Save(string path)
    {
        string dir = System.IO.Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string temp = System.IO.Path.Combine(dir, $".remotes.json.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew,
                       Access = FileAccess.Write,
                       UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                   }))
            {
                JsonSerializer.Serialize(stream, this, CliJsonContext.Default.RemotesConfig);
                stream.WriteByte((byte)'\n');
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Whether <paramref name="name"/> can name a remote: letters, digits, '.', '_', '-', not "local", no "://".</summary>
    public static string? CheckName(string name)
    {
        if (name == Local)
            return "\"local\" is the name of the local Unix socket; choose another name";
        if (name.Length is 0 or > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') || !char.IsAsciiLetterOrDigit(name[0]))
            return "a remote name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";
        return null;
    }

    /// <summary>
    /// Parses a remote's address: https only, a host, an optional port (default 8443), no path/query/user info.
    /// Returns the base URL (<c>https://host:port/</c>) or the problem.
    /// </summary>
    public static string? ParseUrl(string text, out Uri? url)
    {
        url = null;
        string t = text.Trim();
        if (!t.Contains("://", StringComparison.Ordinal))
            t = "https://" + t;
        if (!Uri.TryCreate(t, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            return "is not an address like https://HOST:PORT";
        if (uri.Scheme == Uri.UriSchemeHttp)
            return "is plain http, but vireod's TCP listener speaks TLS only (the token must not travel in clear): use https://";
        if (uri.Scheme != Uri.UriSchemeHttps)
            return $"has the scheme {uri.Scheme}, but vireod is reached over https://HOST:PORT";
        if (!string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            return "has more than https://HOST:PORT (a path, query or user name); give the listener's address only";
        int port = uri.IsDefaultPort && !t.Contains($":{uri.Port}", StringComparison.Ordinal) ? DefaultPort : uri.Port;
        url = new UriBuilder(Uri.UriSchemeHttps, uri.Host, port).Uri;
        return null;
    }

    /// <summary>The port of a remote written without one (vireod's documented listener port).</summary>
    public const int DefaultPort = 8443;
}
