using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo pool list|info|create|delete</c>: directory storage pools, like virsh pool-*.</summary>
internal static class PoolCommand
{
    public static Command Create(CliApp app)
    {
        var pool = app.Docs.Create("pool", "Manage storage pools (directories that hold volumes)",
            """
            A pool is a directory that holds volumes (disk images), like a libvirt "dir" pool (virsh pool-*). The pool
            "default" (STATE_DIR/pools/default, /var/lib/vireo/pools/default for a system vireod) exists after vireod
            first starts. Volumes are named POOL/NAME everywhere (see `vireo vol --help`). Vireo never touches files
            in a pool directory that it did not create; `pool info` lists them as unmanaged.
            """,
            "vireo pool list",
            "vireo pool create fast --path /srv/vireo/fast",
            "vireo pool info default");
        pool.Add(List(app));
        pool.Add(Info(app));
        pool.Add(CreatePool(app));
        pool.Add(Delete(app));
        return pool;
    }

    private static Argument<string> PoolArgument() => Arg.Name("POOL", "The pool's name");

    private static Command List(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List pools",
            "Like `virsh pool-list --all --details`: every pool with its state, directory, file system capacity and free\nspace, and how many volumes it holds. With -o json: the API's PoolInfo array.",
            "vireo pool list", "vireo pool list -o json | jq -r '.[].path'");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var pools = await client.ListPoolsAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, pools.ToList(), VireoJsonContext.Default.ListPoolInfo);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("NAME").Column("STATE").Column("PATH", wraps: true).Column("CAPACITY", right: true)
                .Column("AVAILABLE", right: true).Column("VOLUMES", right: true);
            foreach (var p in pools)
                table.Row(p.Name, p.Available ? new Cell("active", "green") : new Cell("unavailable", "red"), p.Path,
                    StorageText.Bytes(p.CapacityBytes), StorageText.Bytes(p.AvailableBytes), p.Volumes.ToString(CultureInfo.InvariantCulture));
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Info(CliApp app)
    {
        var name = PoolArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one pool",
            "Like `virsh pool-info`: directory, state, capacity, allocation and available space of its file system\n(statvfs), the number of volumes, and the files Vireo does not manage. With -o json: the API's PoolInfo.",
            "vireo pool info default", "vireo pool info default -o json | jq .available_bytes");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var p = await client.GetPoolAsync(StorageText.Pool(parse.GetValue(name)), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, p, VireoJsonContext.Default.PoolInfo);
                return ExitCodes.Ok;
            }
            var grid = new DetailList();
            void Row(string key, string? value) => grid.Row(key, value ?? "-");
            Row("Name", p.Name);
            Row("Type", p.Type);
            Row("Path", p.Path);
            Row("State", p.Available ? "active" : $"unavailable ({p.Reason})");
            Row("Capacity", StorageText.Bytes(p.CapacityBytes));
            Row("Allocation", StorageText.Bytes(p.AllocationBytes));
            Row("Available", StorageText.Bytes(p.AvailableBytes));
            Row("Volumes", p.Volumes.ToString(CultureInfo.InvariantCulture));
            Row("Unmanaged", p.Unmanaged.Count == 0 ? "-" : string.Join(", ", p.Unmanaged));
            Row("Created", Display.Time(p.CreatedAt));
            grid.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreatePool(CliApp app)
    {
        var name = PoolArgument();
        var path = Opt.Path("--path", "Absolute path of the pool's directory (created when missing)", "DIR", required: true);
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("create", "Create a directory pool",
            """
            Like `virsh pool-define-as NAME dir --target DIR` followed by pool-build and pool-start. The directory is
            created when missing. Refused, with nothing changed, for a relative path, a file, a system directory
            (/, /etc, /usr, /proc...), a directory inside Vireo's state directory (other than STATE_DIR/pools/NAME),
            and a directory that is, contains or lies inside another pool. Files already in the directory stay as they
            are and are never touched; `vireo vol import` copies an image into the pool as a volume.
            """,
            "vireo pool create fast --path /srv/vireo/fast",
            "vireo pool create nfs --path /mnt/nfs/vireo -o json");
        command.Add(name);
        command.Add(path);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var p = await client.CreatePoolAsync(new PoolSpec { Name = StorageText.Pool(parse.GetValue(name)), Path = parse.GetValue(path)! }, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, p, VireoJsonContext.Default.PoolInfo);
            else
                app.Env.Out.WriteLine($"Pool {p.Name} created at {p.Path}{(p.CreatedDirectory ? " (directory created)" : "")}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Delete(CliApp app)
    {
        var name = PoolArgument();
        var command = app.Docs.Create("delete", "Delete a pool",
            "Like `virsh pool-undefine`: refused while the pool holds volumes (they are named). The directory is removed\nonly when Vireo created it and it is empty; files Vireo did not create are never deleted.",
            "vireo pool delete fast");
        command.Add(name);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var pool = StorageText.Pool(parse.GetValue(name));
            await client.DeletePoolAsync(pool, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Pool {pool} deleted");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
