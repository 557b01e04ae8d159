using Vireo.Contracts;

namespace Vireo.Core.Tests.Snapshots;

/// <summary>
/// Every order of revert and delete over a three-level tree s1 → s2 → s3 (plus a branch s4 taken after an early
/// revert), on a stopped VM whose disk is a qcow2 overlay on a raw base image. Before each snapshot a distinct
/// pattern is written to cluster 0 and to a cluster of its own, so later snapshots share clusters with earlier
/// ones: a delete that freed shared clusters would show up as a wrong pattern. After every step each remaining
/// snapshot must read back exactly its patterns (read from the qcow2 tables by an independent oracle), the
/// current state must be what the last revert brought back, qemu-img check must be clean, the tree (parents,
/// current) must follow the rules, and the base image must be untouched.
/// </summary>
public sealed class SnapshotOrderTests
{
    private const byte Base = 0xbb;

    public static IEnumerable<object[]> Orders()
    {
        int[][] perms = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]];
        foreach (var first in new int?[] { null, 1, 2, 3 })
        {
            foreach (var perm in perms)
            {
                var ops = new List<string>();
                if (first is { } r)
                    ops.AddRange([$"r{r}", "c4"]);
                ops.Add($"d{perm[0]}");
                // Between deletes, revert to the last remaining of the original chain: reverts after deletes too.
                ops.Add($"r{perm.Skip(1).Max()}");
                ops.Add($"d{perm[1]}");
                ops.Add($"d{perm[2]}");
                if (first is not null)
                    ops.Add("d4");
                yield return [string.Join(' ', ops)];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Every_remaining_snapshot_keeps_its_data_after_each_step(string script)
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        var model = new SnapshotTreeModel();

        // The tree: patterns 0x11, 0x22, 0x33 before s1, s2, s3; 0x44 after s3 is the current state.
        var current = Enumerable.Repeat(Base, 8).ToArray();
        for (var k = 1; k <= 3; k++)
        {
            var pattern = (byte)(0x11 * k);
            await vm.WriteAsync(pattern, 0, k);
            current[0] = pattern;
            current[k] = pattern;
            await vm.CreateAsync($"s{k}");
            model.Create($"s{k}", (byte[])current.Clone());
        }
        await vm.WriteAsync(0x44, 0, 4);
        current[0] = current[4] = 0x44;
        await CheckAsync(vm, model, current, "after s1..s3");

        foreach (var op in script.Split(' '))
        {
            var snap = "s" + op[1..];
            switch (op[0])
            {
                case 'r':
                    await vm.RevertAsync(snap);
                    model.Revert(snap);
                    current = (byte[])model.Content[snap].Clone();
                    break;
                case 'c':
                    await vm.WriteAsync(0x55, 0, 5);
                    current[0] = current[5] = 0x55;
                    await vm.CreateAsync(snap);
                    model.Create(snap, (byte[])current.Clone());
                    break;
                case 'd':
                    await vm.DeleteAsync(snap);
                    model.Delete(snap);
                    break;
            }
            await CheckAsync(vm, model, current, $"{script}: after {op}");
        }
        Assert.Empty(vm.List());
    }

    private static async Task CheckAsync(SnapshotTestVm vm, SnapshotTreeModel model, byte[] current, string context)
    {
        var listed = vm.List();
        Assert.Equal(model.Content.Keys.Order(), listed.Select(s => s.Name).Order());
        foreach (var s in listed)
        {
            Assert.True(model.Parent[s.Name] == s.Parent, $"{context}: parent of {s.Name} is {s.Parent ?? "none"}, expected {model.Parent[s.Name] ?? "none"}");
            Assert.True((model.Current == s.Name) == s.Current, $"{context}: current is wrong at {s.Name}");
            Assert.Equal(SnapshotKind.Disk, s.Kind);
        }
        foreach (var disk in vm.Disks)
        {
            var image = new Qcow2Reader(disk, vm.BasePath);
            Assert.Equal(model.Content.Keys.Order(), image.SnapshotNames.Order());
            foreach (var (snap, content) in model.Content)
                AssertContent(image, snap, content, $"{context}: {Path.GetFileName(disk)}@{snap}");
            AssertContent(image, null, current, $"{context}: {Path.GetFileName(disk)} current state");
        }
        await vm.AssertCleanAsync(context);
        Assert.Equal(vm.BaseHash, SnapshotTestVm.Hash(vm.BasePath));
    }

    private static void AssertContent(Qcow2Reader image, string? snap, byte[] expected, string context)
    {
        for (var c = 0; c < expected.Length; c++)
        {
            var data = image.ReadCluster(c, snap);
            Assert.True(data.All(b => b == expected[c]), $"{context}: cluster {c} should be all 0x{expected[c]:x2}, starts with 0x{data[0]:x2}");
        }
    }
}

/// <summary>The rules the tree must follow, as a plain model the engine is compared with.</summary>
internal sealed class SnapshotTreeModel
{
    public Dictionary<string, byte[]> Content { get; } = [];
    public Dictionary<string, string?> Parent { get; } = [];
    public string? Current { get; private set; }

    public void Create(string name, byte[] content)
    {
        Content[name] = content;
        Parent[name] = Current;
        Current = name;
    }

    public void Revert(string name) => Current = name;

    public void Delete(string name)
    {
        var parent = Parent[name];
        foreach (var child in Parent.Where(p => p.Value == name).Select(p => p.Key).ToList())
            Parent[child] = parent;
        if (Current == name)
            Current = parent;
        Parent.Remove(name);
        Content.Remove(name);
    }
}
