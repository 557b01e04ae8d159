using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Vireo.Contracts;
using Vireo.Core.Specs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vireo.Core.CloudInit;

/// <summary>
/// The rules for <c>cloud_init:</c> settings, checked before anything is created: each problem names the field, the
/// value and the fix. Pure.
/// </summary>
public static partial class CloudInitRules
{
    /// <summary>Largest user-data or network-config accepted: the seed is a small ISO, not a file store.</summary>
    public const int MaxDocumentLength = 256 * 1024;

    /// <summary>Most SSH keys and packages listed.</summary>
    public const int MaxListItems = 256;

    /// <summary>Key types OpenSSH accepts in authorized_keys (plain keys; certificates are not keys to authorize).</summary>
    public static readonly string[] KeyTypes =
    [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss",
    ];

    private const string Root = "cloud_init";

    /// <summary>Every problem of <paramref name="ci"/>: (field path, value, message).</summary>
    public static IReadOnlyList<(string Field, string? Value, string Message)> Check(CloudInitSpec ci)
    {
        ArgumentNullException.ThrowIfNull(ci);
        var errors = new List<(string, string?, string)>();
        void Add(string field, string? value, string message) => errors.Add(($"{Root}.{field}", value, message));

        if (ci.User is { } user && UserProblem(user) is { } userProblem) Add("user", user, userProblem);
        if (ci.Hostname is { } hostname && HostnameProblem(hostname) is { } hostProblem) Add("hostname", hostname, hostProblem);
        if (ci.PasswordHash is { } hash)
        {
            if (PasswordHashProblem(hash) is { } hashProblem) Add("password_hash", Shorten(hash), hashProblem);
            else if (ci.User is null) Add("password_hash", null, "needs user (the account the password is for); add user, e.g. user: ops");
        }
        if (ci.SshAuthorizedKeys.Count > MaxListItems)
            Add("ssh_authorized_keys", null, $"lists {ci.SshAuthorizedKeys.Count} keys; give at most {MaxListItems}");
        for (var i = 0; i < ci.SshAuthorizedKeys.Count && i < MaxListItems; i++)
            if (SshKeyProblem(ci.SshAuthorizedKeys[i]) is { } keyProblem)
                // A private key is never echoed back, not even its start.
                Add($"ssh_authorized_keys[{i}]", ci.SshAuthorizedKeys[i].Contains("PRIVATE KEY", StringComparison.Ordinal) ? null : Shorten(ci.SshAuthorizedKeys[i]), keyProblem);
        if (ci.Packages.Count > MaxListItems)
            Add("packages", null, $"lists {ci.Packages.Count} packages; give at most {MaxListItems}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ci.Packages.Count && i < MaxListItems; i++)
        {
            var package = ci.Packages[i];
            if (!DebianPackage().IsMatch(package))
                Add($"packages[{i}]", package, "is not a Debian package name (lower-case letters, digits, \"+\", \"-\" and \".\", starting with a letter or digit, at least 2 characters); e.g. nginx or tomcat9");
            else if (!seen.Add(package))
                Add($"packages[{i}]", package, "is listed twice; list each package once");
        }
        if (ci.UserData is { } userData)
        {
            if (UserDataProblem(userData) is { } udProblem) Add("user_data", Shorten(userData), udProblem);
            else if (IsScript(userData) && (ci.User is not null || ci.SshAuthorizedKeys.Count > 0 || ci.PasswordHash is not null || ci.Packages.Count > 0))
                Add("user_data", Shorten(userData),
                    "is a script, which cannot be merged with user, ssh_authorized_keys, password_hash or packages; " +
                    "write a #cloud-config user-data instead, or leave those fields out");
        }
        if (ci.NetworkConfig is { } network && NetworkConfigProblem(network) is { } netProblem)
            Add("network_config", Shorten(network), netProblem);
        return errors;
    }

    /// <summary>Null when <paramref name="name"/> is a valid new Linux user name (Debian's adduser rules, 32 characters).</summary>
    public static string? UserProblem(string name)
    {
        if (name == "root")
            return "is the superuser, who exists already; name a new user (who gets sudo), e.g. ops";
        if (!LinuxUser().IsMatch(name))
            return "is not a valid Linux user name; use up to 32 lower-case letters, digits, \"_\" and \"-\", starting with a letter or \"_\", e.g. ops";
        return null;
    }

    /// <summary>Null when <paramref name="name"/> is an RFC 1123 host name (one label, or dotted into an FQDN).</summary>
    public static string? HostnameProblem(string name)
    {
        if (name.Length is 0 or > 253)
            return $"is {name.Length} characters long; a host name has 1 to 253 characters, e.g. web1";
        foreach (var label in name.Split('.'))
        {
            if (!HostLabel().IsMatch(label))
                return "is not a valid host name (RFC 1123): use labels of 1 to 63 letters, digits and \"-\" (not first or last), separated by dots, e.g. web1 or web1.example.com";
        }
        if (name.Split('.')[^1].All(char.IsAsciiDigit))
            return "looks like an IP address; give a host name such as web1";
        return null;
    }

    /// <summary>Null when <paramref name="hash"/> is a SHA-512 crypt string (<c>$6$[rounds=N$]SALT$HASH</c>).</summary>
    public static string? PasswordHashProblem(string hash)
    {
        if (!Sha512Crypt().IsMatch(hash))
            return "is not a SHA-512 crypt hash ($6$SALT$ and 86 characters of [./0-9A-Za-z]); make one with openssl passwd -6, or give the password to the CLI, which hashes it";
        return null;
    }

    /// <summary>Null when <paramref name="line"/> is one OpenSSH public key line: TYPE BASE64 [COMMENT].</summary>
    public static string? SshKeyProblem(string line)
    {
        if (line.Contains("PRIVATE KEY", StringComparison.Ordinal))
            return "is a private key, which must never leave your machine; give the public key (the .pub file)";
        if (line.Length > 16 * 1024)
            return $"is {line.Length} characters long, more than any public key; give the one-line public key (the .pub file)";
        if (line.IndexOfAny(['\n', '\r']) >= 0)
            return "has more than one line; give one key per entry, each on one line (as in a .pub file)";
        var parts = line.Trim().Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !KeyTypes.Contains(parts[0]))
            return $"is not an OpenSSH public key; expected \"TYPE BASE64 [COMMENT]\" with TYPE one of {string.Join(", ", KeyTypes.Take(5))} or an sk- type, as in ~/.ssh/id_ed25519.pub (make one with ssh-keygen)";
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return $"has a key body that is not base64; copy the whole line of the .pub file";
        }
        if (blob.Length < 4 + parts[0].Length + 4)
            return "has a key body too short to be a key; copy the whole line of the .pub file";
        var typeLength = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (typeLength != parts[0].Length || !blob.AsSpan(4, parts[0].Length).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(parts[0])))
            return $"has a key body that is not a {parts[0]} key (its embedded type differs); copy the whole line of the .pub file";
        return null;
    }

    /// <summary>True for user-data that is a script (<c>#!</c>) rather than a cloud-config.</summary>
    public static bool IsScript(string userData) => userData.StartsWith("#!", StringComparison.Ordinal);

    /// <summary>Null when <paramref name="text"/> is a <c>#cloud-config</c> YAML mapping or a <c>#!</c> script.</summary>
    public static string? UserDataProblem(string text)
    {
        if (text.Length > MaxDocumentLength)
            return $"is {text.Length} bytes; the most a seed takes is {MaxDocumentLength}";
        if (IsScript(text))
            return null;
        if (!text.StartsWith("#cloud-config", StringComparison.Ordinal) || text.Length > 13 && text[13] is not ('\n' or '\r' or ' ' or '\t'))
            return "does not start with #cloud-config (or #! for a script); make #cloud-config its first line";
        return YamlMappingProblem(text, "user_data");
    }

    /// <summary>Null when <paramref name="text"/> is a network-config YAML mapping with version 1 or 2.</summary>
    public static string? NetworkConfigProblem(string text)
    {
        if (text.Length > MaxDocumentLength)
            return $"is {text.Length} bytes; the most a seed takes is {MaxDocumentLength}";
        if (YamlMappingProblem(text, "network_config") is { } problem)
            return problem;
        var root = ParseMapping(text)!;
        if (root.Children.TryGetValue(new YamlScalarNode("network"), out var inner) && inner is YamlMappingNode wrapped)
            root = wrapped;
        if (!root.Children.TryGetValue(new YamlScalarNode("version"), out var version) || version is not YamlScalarNode { Value: "1" or "2" })
            return "has no \"version: 2\" (or 1) at its top; network-config is netplan-style YAML starting with version: 2, e.g. {version: 2, ethernets: {...}}";
        return null;
    }

    /// <summary>Parses <paramref name="text"/> as one YAML document holding a mapping; null when it is not one.</summary>
    internal static YamlMappingNode? ParseMapping(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 1 ? stream.Documents[0].RootNode as YamlMappingNode : null;
    }

    private static string? YamlMappingProblem(string text, string what)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1)
                return $"holds {stream.Documents.Count} YAML documents; {what} is one YAML mapping";
            if (stream.Documents[0].RootNode is not YamlMappingNode)
                return $"is YAML, but not a mapping of keys; {what} is a mapping such as \"hostname: web1\"";
            return null;
        }
        catch (YamlException e)
        {
            var where = e.Start.Line > 0 ? $" at line {e.Start.Line}, column {e.Start.Column}" : "";
            return $"is not valid YAML{where}: {FirstLine(e.Message)}; fix the YAML (yamllint or python3 -c 'import yaml,sys; yaml.safe_load(sys.stdin)' shows where)";
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        // YamlDotNet prefixes "(Lin: 2, Col: 5, Chr: 20) - (...)"; the position is given already.
        var dash = line.IndexOf("): ", StringComparison.Ordinal);
        return dash >= 0 ? line[(dash + 3)..] : line;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    [GeneratedRegex(@"^[a-z_][a-z0-9_-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex LinuxUser();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostLabel();

    [GeneratedRegex(@"^\$6\$(rounds=[0-9]{1,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha512Crypt();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex DebianPackage();
}
