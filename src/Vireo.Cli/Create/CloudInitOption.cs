using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>--cloud-init user=NAME,ssh-key=FILE|KEY,password=PW|password-file=FILE,hostname=H,packages="P1 P2",user-data=FILE,network-config=FILE</c>,
/// repeatable (the items of every flag add up). ssh-key and packages may repeat. Files are read here, relative to
/// the current directory; a password is hashed here (SHA-512 crypt) and never sent.
/// </summary>
internal static class CloudInitOption
{
    public const string Flag = "--cloud-init";
    public const string Accepted =
        "Accepted keys: user=NAME, ssh-key=FILE or ssh-key=\"ssh-ed25519 AAAA...\" (repeatable), password=PW or password-file=FILE (hashed here, never sent), " +
        "hostname=NAME, packages=\"nginx tomcat9\" (space-separated; repeatable), user-data=FILE (#cloud-config), network-config=FILE (version 2 YAML).";

    /// <summary>Largest file read for a key, user-data or network-config.</summary>
    private const int MaxFileBytes = 256 * 1024;

    /// <summary>The settings of every <c>--cloud-init</c> flag, or null when none was given.</summary>
    public static CloudInitSpec? Parse(IReadOnlyList<string> values, string cwd, Func<string, string>? hash = null)
    {
        if (values.Count == 0)
            return null;
        hash ??= Sha512Crypt.Hash;
        string? user = null, password = null, hostname = null, userData = null, networkConfig = null;
        var keys = new List<string>();
        var packages = new List<string>();
        foreach (var raw in values)
        {
            if (raw.Trim() is "on" or "yes" or "true")
                continue; // --cloud-init on: a seed with the defaults.
            // Messages quote the flag's value: never with the password in it.
            var text = Redact(raw);
            IReadOnlyList<KeyValueItem> items;
            try
            {
                items = KeyValueList.Parse(Flag, raw, Accepted);
            }
            catch (CliUsageException) when (text != raw)
            {
                throw KeyValueList.Error(Flag, text, "it is malformed (an empty item, a key without a value, or an open quote)", Accepted);
            }
            foreach (var item in items)
            {
                switch (item.Key)
                {
                    case "user":
                        user = Once(text, "user", user, item.Value);
                        break;
                    case "ssh_key" or "ssh_authorized_key" or "ssh_authorized_keys":
                        keys.AddRange(Keys(text, item.Value, cwd));
                        break;
                    case "password":
                        password = Once(text, "password", password, item.Value);
                        break;
                    case "password_file":
                        password = Once(text, "password", password, ReadFile(text, "password-file", item.Value, cwd).TrimEnd('\n', '\r'));
                        break;
                    case "hostname":
                        hostname = Once(text, "hostname", hostname, item.Value);
                        break;
                    case "packages" or "package":
                        packages.AddRange(item.Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
                        break;
                    case "user_data":
                        userData = Once(text, "user-data", userData, ReadFile(text, "user-data", item.Value, cwd));
                        break;
                    case "network_config":
                        networkConfig = Once(text, "network-config", networkConfig, ReadFile(text, "network-config", item.Value, cwd));
                        break;
                    case null:
                        throw KeyValueList.Error(Flag, text, $"\"{item.Value}\" has no key (write key=value)", Accepted);
                    default:
                        throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key.Replace('_', '-')}\"", Accepted);
                }
            }
        }
        if (password is { Length: 0 })
            throw new CliUsageException($"{Flag}: the password is empty; give one, or leave password out and log in with ssh-key.");
        return new CloudInitSpec
        {
            User = user,
            SshAuthorizedKeys = keys,
            PasswordHash = password is null ? null : hash(password),
            Hostname = hostname,
            Packages = packages,
            UserData = userData,
            NetworkConfig = networkConfig,
        };
    }

    /// <summary>A key written inline (it starts with its type), else a file of keys (a .pub or authorized_keys file).</summary>
    private static IEnumerable<string> Keys(string text, string value, string cwd)
    {
        var trimmed = value.Trim();
        if (trimmed.StartsWith("ssh-", StringComparison.Ordinal) || trimmed.StartsWith("ecdsa-", StringComparison.Ordinal)
            || trimmed.StartsWith("sk-", StringComparison.Ordinal))
            return [trimmed];
        var content = ReadFile(text, "ssh-key", value, cwd);
        if (content.Contains("PRIVATE KEY", StringComparison.Ordinal))
            throw KeyValueList.Error(Flag, text, $"ssh-key file {value} is a private key, which must never leave your machine; give the public key ({value}.pub)", Accepted);
        var lines = content.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Count == 0)
            throw KeyValueList.Error(Flag, text, $"ssh-key file {value} holds no key; give a .pub file (ssh-keygen makes one)", Accepted);
        // Each line goes to vireod, which checks that it is a public key and says which one is not.
        return lines;
    }

    private static string ReadFile(string text, string key, string value, string cwd)
    {
        // "ssh-key=~/.ssh/id_ed25519.pub": the shell leaves a ~ after "=" alone.
        if (value.StartsWith("~/", StringComparison.Ordinal) && Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
            value = Path.Combine(home, value[2..]);
        var path = Paths.Absolute(value, cwd);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw KeyValueList.Error(Flag, text, $"{key} file {path} does not exist", Accepted);
            if (info.Length > MaxFileBytes)
                throw KeyValueList.Error(Flag, text, $"{key} file {path} is {info.Length} bytes; the most a seed takes is {MaxFileBytes}", Accepted);
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw KeyValueList.Error(Flag, text, $"cannot read {key} file {path}: {e.Message}", Accepted);
        }
    }

    /// <summary>The value with any password=... replaced by ***.</summary>
    internal static string Redact(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "(password=)(\"[^\"]*\"?|'[^']*'?|[^,]*)", "$1***");

    private static string Once(string text, string key, string? existing, string value) =>
        existing is null ? value : throw KeyValueList.Error(Flag, text, $"{key} is given twice; give it once", Accepted);
}
