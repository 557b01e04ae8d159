using System.Security.Cryptography;
using System.Text;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Os;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vireo.Core.CloudInit;

/// <summary>The three files of a NoCloud seed, as they go into the ISO.</summary>
/// <param name="UserData">user-data: a <c>#cloud-config</c> document, or the user's script.</param>
/// <param name="MetaData">meta-data: instance-id and local-hostname.</param>
/// <param name="NetworkConfig">network-config (v1/v2 YAML) or null (cloud-init's default: DHCP on the first NIC).</param>
public sealed record SeedFiles(string UserData, string MetaData, string? NetworkConfig);

/// <summary>
/// Renders a VM's <see cref="CloudInitSpec"/> into NoCloud seed files and builds the <c>cidata</c> ISO 9660 image
/// (Joliet + Rock Ridge) with genisoimage, or xorriso where genisoimage is missing. The ISO is rebuilt, with a
/// fresh instance-id, only when the rendered content changes (a SHA-256 kept next to it), so that cloud-init
/// runs its once-per-instance steps again after a change and not on every boot.
/// </summary>
public static class CloudInitSeed
{
    /// <summary>Volume label cloud-init's NoCloud data source looks for.</summary>
    public const string VolumeLabel = "cidata";

    /// <summary>Bumped when the rendering changes, so that existing seeds are rebuilt.</summary>
    private const string RenderVersion = "vireo-seed-1";

    /// <summary>
    /// user-data for <paramref name="ci"/>. Without <see cref="CloudInitSpec.UserData"/> it is generated; with a
    /// #cloud-config user_data, the fields are merged into it: lists (users, packages, ssh_authorized_keys) are
    /// appended to, and other keys the fields set (hostname, fqdn, ssh_pwauth...) replace the user_data's. A script
    /// user_data is used as it is.
    /// </summary>
    public static string RenderUserData(CloudInitSpec ci, string vmName)
    {
        ArgumentNullException.ThrowIfNull(ci);
        if (ci.UserData is { } script && CloudInitRules.IsScript(script))
            return script;
        var root = ci.UserData is { } userData ? CloudInitRules.ParseMapping(userData) ?? new YamlMappingNode() : new YamlMappingNode();
        var hostname = ci.Hostname ?? (Has(root, "hostname") ? null : DefaultHostname(vmName));
        if (hostname is not null)
        {
            var dot = hostname.IndexOf('.', StringComparison.Ordinal);
            Set(root, "hostname", Quoted(dot < 0 ? hostname : hostname[..dot]));
            if (dot >= 0)
                Set(root, "fqdn", Quoted(hostname));
            Set(root, "preserve_hostname", Plain("false"));
        }
        if (ci.User is { } user)
        {
            var entry = new YamlMappingNode
            {
                { "name", Quoted(user) },
                { "gecos", Quoted(user) },
                { "groups", Quoted("sudo") },
                { "sudo", Quoted("ALL=(ALL) NOPASSWD:ALL") },
                { "shell", Quoted("/bin/bash") },
                { "lock_passwd", Plain(ci.PasswordHash is null ? "true" : "false") },
            };
            if (ci.PasswordHash is { } hash)
                entry.Add("hashed_passwd", Quoted(hash));
            if (ci.SshAuthorizedKeys.Count > 0)
                entry.Add("ssh_authorized_keys", Strings(ci.SshAuthorizedKeys));
            Append(root, "users", [entry]);
        }
        else if (ci.SshAuthorizedKeys.Count > 0)
        {
            // No user of our own: the keys go to the image's default user.
            Append(root, "ssh_authorized_keys", Strings(ci.SshAuthorizedKeys).Children);
        }
        if (ci.PasswordHash is not null)
            Set(root, "ssh_pwauth", Plain("true"));
        if (ci.Packages.Count > 0)
        {
            Append(root, "packages", Strings(ci.Packages).Children);
            Set(root, "package_update", Plain("true"));
        }
        var text = new StringWriter { NewLine = "\n" };
        text.Write("#cloud-config\n");
        if (root.Children.Count > 0)
            new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        var result = text.ToString();
        // YamlDotNet ends the document with "...": valid, but noise in a file people read.
        return result.EndsWith("...\n", StringComparison.Ordinal) ? result[..^4] : result;
    }

    /// <summary>meta-data with <paramref name="instanceId"/> (null: a placeholder, for the content hash).</summary>
    public static string RenderMetaData(CloudInitSpec ci, string vmName, string? instanceId)
    {
        ArgumentNullException.ThrowIfNull(ci);
        var sb = new StringBuilder();
        sb.Append("instance-id: ").Append(instanceId ?? "INSTANCE-ID").Append('\n');
        if ((ci.Hostname ?? DefaultHostname(vmName)) is { } hostname)
            sb.Append("local-hostname: ").Append(hostname).Append('\n');
        return sb.ToString();
    }

    /// <summary>The files of a seed with the given instance-id.</summary>
    public static SeedFiles Render(CloudInitSpec ci, string vmName, string instanceId) =>
        new(RenderUserData(ci, vmName), RenderMetaData(ci, vmName, instanceId), ci.NetworkConfig);

    /// <summary>SHA-256 of everything that goes into the seed except the instance-id.</summary>
    public static string ContentHash(CloudInitSpec ci, string vmName)
    {
        var text = string.Join('\0', RenderVersion, RenderUserData(ci, vmName), RenderMetaData(ci, vmName, null), ci.NetworkConfig ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A fresh instance-id: cloud-init treats a new one as a new instance and applies the seed again.</summary>
    public static string NewInstanceId() => $"iid-vireo-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";

    /// <summary>
    /// The VM name as a host name: characters a host name cannot have become "-"; null when nothing usable is left.
    /// </summary>
    public static string? DefaultHostname(string vmName)
    {
        var chars = vmName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var name = new string(chars).Trim('-');
        if (name.Length > 63) name = name[..63].TrimEnd('-');
        return name.Length > 0 && CloudInitRules.HostnameProblem(name) is null ? name : null;
    }

    /// <summary>
    /// Makes <paramref name="isoPath"/> hold the seed for <paramref name="ci"/>: rebuilt (fresh instance-id) when
    /// the content changed or the ISO is missing, else left as it is. Written atomically: a temporary file renamed
    /// over the old one. Returns true when it was (re)built.
    /// </summary>
    public static async Task<bool> EnsureAsync(CloudInitSpec ci, string vmName, string isoPath, ICommandRunner runner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ci);
        ArgumentNullException.ThrowIfNull(runner);
        var hashPath = isoPath + ".sha256";
        var hash = ContentHash(ci, vmName);
        if (File.Exists(isoPath) && File.Exists(hashPath) && (await File.ReadAllTextAsync(hashPath, ct)).Trim() == hash)
            return false;
        await BuildAsync(Render(ci, vmName, NewInstanceId()), isoPath, runner, ct);
        await AtomicFile.WriteAsync(hashPath, hash + "\n", null, ct);
        return true;
    }

    /// <summary>Builds the ISO at <paramref name="isoPath"/> (atomically) from <paramref name="files"/>.</summary>
    public static async Task BuildAsync(SeedFiles files, string isoPath, ICommandRunner runner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(runner);
        var dir = Path.GetDirectoryName(Path.GetFullPath(isoPath))!;
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var staging = Path.Combine(dir, $".cidata-{suffix}");
        var tempIso = $"{isoPath}.tmp-{suffix}";
        // The seed may hold a password hash: readable by root (vireod and QEMU) only.
        Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var paths = new List<string>();
            void Write(string name, string content)
            {
                var path = Path.Combine(staging, name);
                File.WriteAllText(path, content, new UTF8Encoding(false));
                paths.Add(path);
            }
            Write("user-data", files.UserData);
            Write("meta-data", files.MetaData);
            if (files.NetworkConfig is { } network)
                Write("network-config", network);
            string[] options = ["-quiet", "-output", tempIso, "-volid", VolumeLabel, "-joliet", "-rock", "-input-charset", "utf-8"];
            var result = await runner.RunAsync("genisoimage", [.. options, .. paths], TimeSpan.FromSeconds(60), ct);
            if (result.NotFound)
                result = await runner.RunAsync("xorriso", ["-as", "mkisofs", .. options, .. paths], TimeSpan.FromSeconds(60), ct);
            if (result.NotFound)
                throw new HostOperationException("cannot build the cloud-init seed: neither genisoimage nor xorriso is installed")
                {
                    Hint = "Install one: apt-get install genisoimage",
                };
            if (!result.Succeeded)
                throw new HostOperationException($"cannot build the cloud-init seed {isoPath}: {result.FailureSummary}");
            File.SetUnixFileMode(tempIso, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            AtomicFile.Commit(tempIso, isoPath, overwrite: true);
        }
        finally
        {
            try { Directory.Delete(staging, recursive: true); } catch (IOException) { }
            try { File.Delete(tempIso); } catch (IOException) { }
        }
    }

    private static bool Has(YamlMappingNode map, string key) => map.Children.ContainsKey(new YamlScalarNode(key));

    private static void Set(YamlMappingNode map, string key, YamlNode value) => map.Children[new YamlScalarNode(key)] = value;

    private static void Append(YamlMappingNode map, string key, IEnumerable<YamlNode> items)
    {
        if (map.Children.TryGetValue(new YamlScalarNode(key), out var existing) && existing is YamlSequenceNode seq)
        {
            foreach (var item in items) seq.Add(item);
            return;
        }
        map.Children[new YamlScalarNode(key)] = new YamlSequenceNode(items);
    }

    private static YamlSequenceNode Strings(IEnumerable<string> values) => new(values.Select(v => (YamlNode)Quoted(v)));

    // User text is always double-quoted: cloud-init reads YAML 1.1, where a plain yes, no, on or 0755 is no string.
    private static YamlScalarNode Quoted(string text) => new(text) { Style = ScalarStyle.DoubleQuoted };

    private static YamlScalarNode Plain(string text) => new(text) { Style = ScalarStyle.Plain };
}
