using System.CommandLine;
using System.Globalization;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo os list|info</c>: the operating systems of the osinfo database (virt-install's --os-variant, osinfo-query os).</summary>
internal static class OsCommand
{
    public static Command Create(CliApp app)
    {
        var os = app.Docs.Create("os", "Show the operating systems Vireo knows (the osinfo database)",
            """
            Vireo knows operating systems from osinfo-db, the database virt-install and virt-manager use (Debian
            package osinfo-db, /usr/share/osinfo), plus Vireo's overlay of newer releases in the same XML format
            (/usr/share/vireo/osinfo: Debian 12, Ubuntu 24.04...) and your own files in /etc/osinfo. Each OS has a
            short id (debian12, win10, ubuntu22.04) and a full id (http://debian.org/debian/12); either names it.
            For each, the database gives the minimum and recommended vCPUs, memory and disk, and the devices it has
            drivers for, from which Vireo picks the disk bus and NIC model. docs/os-catalog.md tells how to add an OS.
            """,
            "vireo os list --family linux",
            "vireo os info debian12",
            "vireo os info win10 -o json | jq .disk_bus");
        os.Add(List(app));
        os.Add(Info(app));
        return os;
    }

    private static Command List(CliApp app)
    {
        var family = Opt.Name("--family", "Only OSes of this osinfo family: linux, winnt, win9x, freebsd, openbsd, netbsd, solaris...", "FAMILY");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List the known operating systems",
            """
            Like `osinfo-query os`: every OS of the database with its short id, name, family, version, release date
            and end of life (EOL), grouped by family and distribution, oldest release first. --family keeps one
            family (osinfo's: linux, winnt for Windows NT and later, win9x, freebsd...). With -o json: the API's
            OsSummary array.
            """,
            "vireo os list --family linux",
            "vireo os list -o json | jq -r '.[] | select(.distro == \"debian\") | .short_id'");
        command.Add(family);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var list = await client.ListOsAsync(parse.GetValue(family), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, list.ToList(), VireoJsonContext.Default.ListOsSummary);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("SHORT ID").Column("NAME", wraps: true).Column("FAMILY").Column("VERSION")
                .Column("RELEASED").Column("EOL");
            foreach (var o in list)
                table.Row(o.ShortId, o.Name ?? "-", o.Family ?? "-", o.Version ?? "-", o.ReleaseDate ?? "-", o.EolDate ?? "-");
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Info(CliApp app)
    {
        var id = Arg.Name("ID", "The OS: a short id (debian12, win10) or a full osinfo id (http://debian.org/debian/12)");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one operating system and what Vireo gives it",
            """
            Like `osinfo-query os short-id=ID` with more: the OS's names and dates, its minimum and recommended
            vCPUs, memory and disk (inherited from the release it derives from when it states none: "from"), the
            firmware the database asks for, whether it has virtio disk and network drivers, and so what Vireo would
            give it: the virtio disk bus and NIC, or sata and e1000e for an OS without those drivers (Windows).
            ID is a short id or alias (debianbookworm), any case, or the full id; virt-install's short-id=ID and
            id=URL spellings work too. An unknown ID exits with status 3 and suggests the nearest ids.
            With -o json: the API's OsDetails.
            """,
            "vireo os info debian12",
            "vireo os info http://microsoft.com/win/10",
            "vireo os info ubuntu24.04 -o json | jq .recommended");
        command.Add(id);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var o = await client.GetOsAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, o, VireoJsonContext.Default.OsDetails);
                return ExitCodes.Ok;
            }
            var grid = new DetailList();
            void Row(string key, string? value) => grid.Row(key, string.IsNullOrEmpty(value) ? "-" : value);
            Row("Short ID", o.ShortId);
            Row("Aliases", string.Join(", ", o.ShortIds.Where(s => s != o.ShortId)));
            Row("ID", o.Id);
            Row("Name", o.Name);
            Row("Vendor", o.Vendor);
            Row("Family", o.Family);
            Row("Distro", o.Distro);
            Row("Version", o.Version);
            Row("Codename", o.Codename);
            Row("Released", o.ReleaseDate);
            Row("EOL", o.EolDate);
            Row("Derives from", o.DerivesFrom);
            var from = o.ResourcesFrom is null ? "" : $" (from {o.ResourcesFrom})";
            Row("Minimum", Resources(o.Minimum) + from);
            Row("Recommended", Resources(o.Recommended) + from);
            if (o.Maximum.Vcpus is not null || o.Maximum.MemoryBytes is not null || o.Maximum.DiskBytes is not null)
                Row("Maximum", Resources(o.Maximum) + from);
            Row("Firmware", string.Join(", ", o.Firmware.Concat(o.FirmwareUnsupported.Select(f => f + " unsupported"))));
            Row("Virtio disk", o.VirtioDisk ? "yes" : "no");
            Row("Virtio NIC", o.VirtioNet ? "yes" : "no");
            Row("Disk bus", $"{o.DiskBus} (what Vireo gives it)");
            Row("NIC model", $"{o.NicModel} (what Vireo gives it)");
            grid.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Resources(OsResources r)
    {
        if (r.Vcpus is null && r.MemoryBytes is null && r.DiskBytes is null)
            return "unknown";
        var parts = new List<string>();
        if (r.Vcpus is { } n) parts.Add(n.ToString(CultureInfo.InvariantCulture) + (n == 1 ? " vCPU" : " vCPUs"));
        if (r.MemoryBytes is not null) parts.Add(StorageText.Bytes(r.MemoryBytes) + " memory");
        if (r.DiskBytes is not null) parts.Add(StorageText.Bytes(r.DiskBytes) + " disk");
        return string.Join(", ", parts);
    }
}
