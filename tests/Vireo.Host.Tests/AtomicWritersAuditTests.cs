using System.Text.RegularExpressions;
using Vireo.Host.Os;
using Xunit;

namespace Vireo.Host.Tests;

/// <summary>
/// Every file vireod writes is written atomically (temp file, fsync, rename, fsync of the directory) through
/// <see cref="AtomicFile"/>. This is the audit: each other place in src/ that opens a file for writing is listed
/// here with why it need not be (a new writer fails the test until it is either atomic or listed with a reason).
/// </summary>
public sealed partial class AtomicWritersAuditTests
{
    /// <summary>File (relative to src/) and a piece of the line → why a plain write is right there.</summary>
    private static readonly (string File, string Line, string Why)[] Exempt =
    [
        ("Vireo.Host/Os/AtomicFile.cs", "new FileStream(temp", "the atomic writer itself (writes the temp file)"),
        ("Vireo.Host/Os/AtomicFile.cs", "Mode = FileMode.CreateNew, Access = FileAccess.Write", "the atomic writer itself (its temp file's options)"),
        ("Vireo.Host/Os/AtomicFile.cs", "File.Move(from, to, overwrite)", "the atomic writer itself (the rename, followed by the directory fsync)"),
        ("Vireo.Daemon/MonitoringRoutes.cs", "new StreamWriter(response.Body", "an HTTP response body, not a file"),
        ("Vireo.Daemon/InstanceLock.cs", "FileMode.OpenOrCreate", "the flock file: its content is never read, only the lock"),
        ("Vireo.Core/Networks/NetworkService.HostLock.cs", "FileMode.OpenOrCreate", "the per-network-namespace flock file: its content is never read, only the lock"),
        ("Vireo.Core/Engine/VmCgroup.cs", "File.WriteAllText(control, \"+memory +cpu\")", "a cgroupfs control file: the kernel takes each write whole, and a rename there is impossible"),
        ("Vireo.Core/Engine/VmCgroup.cs", "File.WriteAllText(Path.Combine(dir, file), value)", "cgroupfs limit files (memory.max, cpu.max...): kernel attributes, written in one write(2)"),
        ("Vireo.Qemu/Processes/QemuLauncher.cs", "File.WriteAllText(logPath, \"\")", "QEMU's own log emptied past 1 MiB before a start: diagnostics only, QEMU appends to it with O_APPEND"),
        ("Vireo.Host/Network/NftFirewall.cs", "File.WriteAllTextAsync(file, script", "a script in a private temp dir handed to nft -f, deleted after; not state"),
        ("Vireo.Host/Network/NftFirewall.Foreign.cs", "File.WriteAllTextAsync(file,", "nft -j input in a private temp dir, deleted after; not state"),
        ("Vireo.Host/Uplink/UplinkConverter.cs", "File.WriteAllTextAsync(file, IpBatch", "ip -batch input in a private temp dir, deleted after; not state"),
        ("Vireo.Host/Network/NetLinks.cs", "File.WriteAllText(IpForwardPath", "a sysctl under /proc, not a file on disk"),
        ("Vireo.Host/Os/FileLinks.cs", "FileAccess.ReadWrite, FileShare.ReadWrite", "opened only to fsync an existing file"),
        ("Vireo.Core/Storage/StorageService.Link.cs", "File.Move(", "linked-clone renames, journalled, each followed by FileLinks.SyncDirectory"),
        ("Vireo.Core/Storage/StorageService.Content.cs", "Mode = FileMode.CreateNew, Access = FileAccess.Write", "an upload into a temp name, put in place by AtomicFile.Commit (CommitAsync)"),
        ("Vireo.Core/CloudInit/CloudInitSeed.cs", "File.WriteAllText(path, content", "seed files in a private staging dir, input of genisoimage; the ISO is committed atomically"),
        ("Vireo.Core/Backups/BackupLayout.cs", "File.WriteAllBytes(probe", "an empty probe of whether the target is writable, deleted at once"),
        ("Vireo.Core/Engine/VirtualMachine.Start.cs", "File.AppendAllText(Paths.SerialLog", "a marker line appended to the serial log QEMU itself writes (append-only log)"),
        ("Vireo.Core/Engine/UefiVars.cs", "Mode = FileMode.Create, Access = FileAccess.Write", "the temp copy, put in place by AtomicFile.Commit"),
        ("Vireo.Core/Images/ImageService.cs", "new FileStream(destination, FileMode.CreateNew", "a scratch extract of an OVA disk, converted then deleted"),
        ("Vireo.Core/Console/SerialLog.cs", "File.Move(from,", "log rotation (copy-and-truncate of QEMU's serial log): a log, losing a line is acceptable"),
        ("Vireo.Core/Console/SerialLog.cs", "File.Copy(path, temp", "log rotation"),
        ("Vireo.Core/Console/SerialLog.cs", "File.Move(temp,", "log rotation"),
        ("Vireo.Core/Console/SerialLog.cs", "FileMode.Open, FileAccess.Write", "log rotation (the truncate)"),
    ];

    [GeneratedRegex(@"File\.(WriteAll\w*|AppendAll\w*|Create\(|OpenWrite|Copy\(|Move\()|new FileStream\(|FileMode\.(Create|CreateNew|OpenOrCreate|Append|Truncate)\b|new StreamWriter\(")]
    private static partial Regex Writer();

    [Fact]
    [Trait("Category", "Reliability")]
    public void Every_file_writer_in_the_daemon_is_atomic_or_listed_with_a_reason()
    {
        var root = Path.Combine(RepoRoot(), "src");
        var unlisted = new List<string>();
        var used = new HashSet<int>();
        var writers = 0;
        // The CLI is not vireod (it writes the user's remotes file on its own terms).
        foreach (var project in new[] { "Vireo.Core", "Vireo.Host", "Vireo.Daemon", "Vireo.Persistence", "Vireo.Qemu", "Vireo.Qmp" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                    continue;
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    if (!Writer().IsMatch(lines[i]) || lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                        continue;
                    // FileMode.Open with read access is no writer; FileStream lines name their mode on the same or next line.
                    var context = lines[i] + (i + 1 < lines.Length ? lines[i + 1] : "") + (i + 2 < lines.Length ? lines[i + 2] : "");
                    if (lines[i].Contains("new FileStream(", StringComparison.Ordinal) && !Regex.IsMatch(context, @"FileAccess\.(Write|ReadWrite)|FileMode\.(Create|Append|OpenOrCreate|Truncate)|new FileStreamOptions|options\)|Options\(mode\)"))
                        continue;
                    if (Regex.IsMatch(lines[i], @"FileMode\.Open\b.*FileAccess\.Read\b(?!Write)"))
                        continue;
                    writers++;
                    var index = Array.FindIndex(Exempt, e => e.File == relative && context.Contains(e.Line, StringComparison.Ordinal));
                    if (index < 0)
                        unlisted.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                    else
                        used.Add(index);
                }
            }
        }
        Assert.True(unlisted.Count == 0,
            "write these through Vireo.Host.Os.AtomicFile (or list them in Exempt with the reason):\n" + string.Join('\n', unlisted));
        var stale = Exempt.Where((_, i) => !used.Contains(i)).Select(e => $"{e.File}: {e.Line}").ToList();
        Assert.True(stale.Count == 0, "Exempt entries that match nothing any more:\n" + string.Join('\n', stale));
        Assert.True(writers > 15, $"the scan found only {writers} writers: is the pattern broken?");
    }

    [Fact]
    [Trait("Category", "Reliability")]
    public void AtomicFile_replaces_the_whole_file_keeps_its_mode_and_leaves_no_temp_file()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-atomic-");
        try
        {
            var path = Path.Combine(dir.FullName, "hosts");
            AtomicFile.Write(path, "one\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            AtomicFile.Write(path, "two\n", UnixFileMode.UserRead);
            Assert.Equal("two\n", File.ReadAllText(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
            AtomicFile.Write(path, "key\n", UnixFileMode.UserRead | UnixFileMode.UserWrite, forceMode: true);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var temp = Path.Combine(dir.FullName, "made-by-a-tool");
            File.WriteAllText(temp, "image");
            AtomicFile.Commit(temp, Path.Combine(dir.FullName, "disk"), overwrite: false);
            File.WriteAllText(temp, "again");
            Assert.Throws<IOException>(() => AtomicFile.Commit(temp, Path.Combine(dir.FullName, "disk"), overwrite: false));
            Assert.Equal("image", File.ReadAllText(Path.Combine(dir.FullName, "disk")));
            File.Delete(temp);
            Assert.Equal(["disk", "hosts"], Directory.GetFiles(dir.FullName).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vireo.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Vireo.slnx above {AppContext.BaseDirectory}");
    }
}
