using System.Text;
using Vireo.Client;

namespace Vireo.Cli.Create;

/// <summary>
/// The name <c>vireo create</c> gives a VM when --name is left out, as virt-install does: the image's name
/// (<c>tiny</c>), else the OS id (<c>debian12</c>), else <c>vm</c>; taken, then <c>tiny-2</c>, <c>tiny-3</c>... A
/// candidate is free when no VM has it and no pool holds a disk a VM of that name would get (e.g.
/// <c>tiny-root.qcow2</c>, kept by an earlier VM of that name).
/// </summary>
internal static class AutoName
{
    /// <summary>The name the flags are checked with before vireod is asked for a free one (a valid VM name).</summary>
    public const string Placeholder = "vm";

    /// <summary>The OS id of an --os value: <c>debian12</c>, <c>name=debian12,...</c>, <c>id=.../debian/12</c>
    /// (its last two segments); null for <c>detect=on</c> and the like.</summary>
    public static string? OsName(string? os)
    {
        if (string.IsNullOrWhiteSpace(os))
            return null;
        foreach (var part in os.Split(','))
        {
            if (!part.Contains('='))
                return part;
            if (part.StartsWith("name=", StringComparison.Ordinal) || part.StartsWith("short-id=", StringComparison.Ordinal))
                return part[(part.IndexOf('=') + 1)..];
            if (part.StartsWith("id=", StringComparison.Ordinal))
                return string.Concat(part[3..].TrimEnd('/').Split('/').TakeLast(2));
        }
        return null;
    }

    /// <summary>Room for "-NNNN" within the 63 characters a VM name may have.</summary>
    private const int MaxBase = 56;

    /// <summary>The base of the generated name: <paramref name="image"/>, else <paramref name="os"/>, else vm.</summary>
    public static string Base(string? image, string? os)
    {
        foreach (var source in new[] { image, os })
        {
            if (string.IsNullOrWhiteSpace(source))
                continue;
            var text = new StringBuilder();
            foreach (char c in source)
            {
                if (char.IsAsciiLetterOrDigit(c) || ((c is '.' or '_' or '-') && text.Length > 0))
                    text.Append(c);
                else if (text.Length > 0 && text[^1] != '-')
                    text.Append('-');
            }
            string name = text.ToString().TrimEnd('-', '.', '_');
            if (name.Length > MaxBase)
                name = name[..MaxBase].TrimEnd('-', '.', '_');
            if (name.Length > 0)
                return name;
        }
        return "vm";
    }

    /// <summary>The first free candidate, given the names of the VMs and of the volumes that exist.</summary>
    public static string Pick(string @base, IEnumerable<string> vmNames, IEnumerable<string> volumeNames)
    {
        var vms = new HashSet<string>(vmNames, StringComparer.Ordinal);
        var volumes = volumeNames.ToList();
        for (int i = 1; ; i++)
        {
            string candidate = i == 1 ? @base : $"{@base}-{i}";
            if (!vms.Contains(candidate) && !volumes.Any(v => IsDiskOf(v, candidate)))
                return candidate;
        }
    }

    /// <summary>Whether <paramref name="volume"/> is a disk name <c>vireo create</c> gives VM <paramref name="vm"/>:
    /// VM-root.qcow2, VM-imgN.qcow2 or VM-diskN.FORMAT.</summary>
    public static bool IsDiskOf(string volume, string vm)
    {
        if (!volume.StartsWith(vm + "-", StringComparison.Ordinal))
            return false;
        string rest = volume[(vm.Length + 1)..];
        int dot = rest.IndexOf('.');
        if (dot < 0)
            return false;
        string stem = rest[..dot];
        return stem == "root"
               || (stem.StartsWith("img", StringComparison.Ordinal) && stem.Length > 3 && stem[3..].All(char.IsAsciiDigit))
               || (stem.StartsWith("disk", StringComparison.Ordinal) && stem.Length > 4 && stem[4..].All(char.IsAsciiDigit));
    }

    /// <summary>Asks vireod which VMs and volumes exist and picks the name.</summary>
    public static async Task<string> PickAsync(VireoClient client, string @base, CancellationToken ct)
    {
        var vms = await client.ListVmsAsync(ct).ConfigureAwait(false);
        var volumes = await client.ListVolumesAsync(null, ct).ConfigureAwait(false);
        return Pick(@base, vms.Select(v => v.Name), volumes.Select(v => v.Name));
    }
}
