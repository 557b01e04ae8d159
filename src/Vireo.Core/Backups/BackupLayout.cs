using System.Globalization;
using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Backups;

/// <summary>
/// Where backups live: <c>DIR/VM/ID/</c> with one qcow2 file per disk and a <c>manifest.json</c>. The manifest is
/// the truth (no database): it is written last, and a backup directory only gets its final name once complete,
/// so a directory with a manifest is a whole backup and anything under a <c>.tmp-</c> name is not.
/// </summary>
internal static class BackupLayout
{
    public const string ManifestName = "manifest.json";
    public const string TempPrefix = ".tmp-";
    private const string IdFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    /// <summary>Checks a backup directory given by a client and creates it if missing; returns its full path.</summary>
    public static string PrepareRoot(string? dir, string field)
    {
        var root = RequireAbsolute(dir, field, "backup");
        try
        {
            if (File.Exists(root))
                throw Invalid("backup", field, dir, "is a file, not a directory");
            Directory.CreateDirectory(root);
            // Root ignores permission bits, so only a real write tells whether the directory can take a backup.
            var probe = Path.Combine(root, $".vireo-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid("backup", field, dir, $"is not a writable directory: {e.Message}");
        }
        return root;
    }

    /// <param name="subject">What the request was, for the message: "backup", "restore"...</param>
    public static string RequireAbsolute(string? path, string field, string subject)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw Invalid(subject, field, path, "is required");
        if (!Path.IsPathFullyQualified(path))
            throw Invalid(subject, field, path, "must be an absolute path");
        if (path.Split('/').Contains(".."))
            throw Invalid(subject, field, path, "must not contain '..'");
        return Path.GetFullPath(path);
    }

    /// <summary>A new backup id (the UTC time, to the millisecond) that no backup of this VM in <paramref name="vmDir"/> has.</summary>
    public static string NewId(string vmDir, DateTimeOffset now)
    {
        var t = now.UtcDateTime;
        while (true)
        {
            var id = t.ToString(IdFormat, CultureInfo.InvariantCulture);
            if (!Directory.Exists(Path.Combine(vmDir, id)) && !Directory.Exists(Path.Combine(vmDir, TempPrefix + id)))
                return id;
            t = t.AddMilliseconds(1);
        }
    }

    /// <summary>Reads the backup in <paramref name="backupDir"/>.</summary>
    /// <exception cref="BackupNotFoundException">No readable manifest there.</exception>
    public static BackupInfo Read(string backupDir)
    {
        var manifest = Path.Combine(backupDir, ManifestName);
        if (!File.Exists(manifest))
            throw new BackupNotFoundException($"{backupDir} is not a backup (it has no {ManifestName})")
            {
                Hint = "List the backups in a directory: vireo backups DIR",
            };
        try
        {
            var info = JsonSerializer.Deserialize(File.ReadAllText(manifest), VireoJsonContext.Default.BackupInfo)
                ?? throw new JsonException("null");
            return info with { Path = backupDir, AllocatedBytes = info.Disks.Sum(d => d.FileBytes) };
        }
        catch (JsonException e)
        {
            throw new BackupNotFoundException($"the manifest {manifest} is unreadable: {e.Message}");
        }
    }

    /// <summary>Every complete backup under <paramref name="root"/> (of one VM when <paramref name="vm"/> is given), oldest first per VM.</summary>
    public static IReadOnlyList<BackupInfo> List(string root, string? vm)
    {
        var vmDirs = vm is null
            ? Directory.EnumerateDirectories(root)
            : Directory.Exists(Path.Combine(root, vm)) ? [Path.Combine(root, vm)] : [];
        var result = new List<BackupInfo>();
        foreach (var vmDir in vmDirs)
        {
            foreach (var dir in Directory.EnumerateDirectories(vmDir))
            {
                if (Path.GetFileName(dir).StartsWith('.') || !File.Exists(Path.Combine(dir, ManifestName)))
                    continue;
                try
                {
                    result.Add(Read(dir));
                }
                catch (BackupNotFoundException)
                {
                    // An unreadable manifest is not a backup; listing the rest matters more.
                }
            }
        }
        return result.OrderBy(b => b.Vm, StringComparer.Ordinal).ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The newest backup of the VM with <paramref name="uuid"/> in <paramref name="vmDir"/>, or null.</summary>
    public static BackupInfo? Latest(string vmDir, string uuid) =>
        Directory.Exists(vmDir)
            ? List(Path.GetDirectoryName(vmDir)!, Path.GetFileName(vmDir))
                .Where(b => string.Equals(b.VmUuid, uuid, StringComparison.OrdinalIgnoreCase))
                .MaxBy(b => b.Id, StringComparer.Ordinal)
            : null;

    /// <summary>Writes the manifest through a temporary file and a rename, flushed to disk: it is either whole or absent.</summary>
    public static void WriteManifest(string dir, BackupInfo info)
    {
        var path = Path.Combine(dir, ManifestName);
        var json = JsonSerializer.SerializeToUtf8Bytes(info with { Path = null, AllocatedBytes = 0 }, VireoJsonContext.Default.BackupInfo);
        Vireo.Host.Os.AtomicFile.WriteBytes(path, json);
    }

    public static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the caller is already reporting the real failure.
        }
    }

    /// <summary>
    /// Bad input in a <paramref name="subject"/> request ("backup", "restore"...): one field error, summarised as
    /// <c>invalid SUBJECT: FIELD: "VALUE" MESSAGE</c>, or under <paramref name="headline"/> when one is given.
    /// </summary>
    public static InvalidInputException Invalid(string subject, string field, string? value, string message,
        string? hint = null, string? headline = null)
    {
        FieldError[] errors = [new FieldError { Field = field, Value = value, Message = message, Hint = hint }];
        return headline is null ? InvalidInputException.For(subject, errors) : new InvalidInputException(headline, errors);
    }
}
