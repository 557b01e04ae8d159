using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Storage;

namespace Vireo.Core.Tests.Storage;

public sealed class PoolTests
{
    [Fact]
    public async Task The_default_pool_is_created_once_and_a_deleted_default_stays_deleted()
    {
        await using var f = await StorageFixture.StartAsync();
        var pool = Assert.Single(f.Service.ListPools());
        Assert.Equal("default", pool.Name);
        Assert.True(Directory.Exists(f.DefaultDir));
        Assert.True(pool.CapacityBytes > 0 && pool.AvailableBytes > 0 && pool.AllocationBytes >= 0);

        await f.Service.InitializeAsync(f.Ct);
        Assert.Single(f.Service.ListPools());
        await f.Service.DeletePoolAsync("default", f.Ct);
        Assert.False(Directory.Exists(f.DefaultDir), "an empty directory Vireo created goes with the pool");
        await f.Service.InitializeAsync(f.Ct);
        Assert.Empty(f.Service.ListPools());
    }

    [Fact]
    public async Task A_pool_directory_is_created_when_missing_and_symlinked_spellings_are_one_pool()
    {
        await using var f = await StorageFixture.StartAsync();
        var dir = Path.Combine(f.Root, "fast", "pool");
        var info = await f.Service.CreatePoolAsync(new PoolSpec { Name = "fast", Path = dir }, f.Ct);
        Assert.True(info.CreatedDirectory);
        Assert.True(Directory.Exists(dir));

        var link = Path.Combine(f.Root, "link");
        Directory.CreateSymbolicLink(link, Path.Combine(f.Root, "fast"));
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => f.Service.CreatePoolAsync(new PoolSpec { Name = "alias", Path = Path.Combine(link, "pool") }, f.Ct));
        Assert.Contains("already the directory of pool \"fast\"", e.FieldErrors[0].Message);
    }

    [Theory]
    [InlineData("relative/dir", "is relative")]
    [InlineData("/etc", "system directory")]
    [InlineData("/proc/x", "pseudo file system")]
    public async Task Bad_pool_paths_are_refused_and_create_nothing(string path, string expected)
    {
        await using var f = await StorageFixture.StartAsync();
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => f.Service.CreatePoolAsync(new PoolSpec { Name = "p", Path = path }, f.Ct));
        Assert.Equal("path", e.FieldErrors[0].Field);
        Assert.Contains(expected, e.FieldErrors[0].Message);
        Assert.Single(f.Service.ListPools());
    }

    [Fact]
    public async Task Overlapping_pools_and_the_state_directory_are_refused()
    {
        await using var f = await StorageFixture.StartAsync();
        var outer = Path.Combine(f.Root, "a", "outer");
        await f.Service.CreatePoolAsync(new PoolSpec { Name = "outer", Path = outer }, f.Ct);

        async Task<string> Refused(string path) =>
            (await Assert.ThrowsAsync<InvalidInputException>(() => f.Service.CreatePoolAsync(new PoolSpec { Name = "x", Path = path }, f.Ct))).FieldErrors[0].Message;
        Assert.Contains("inside pool \"outer\"", await Refused(Path.Combine(outer, "inner")));
        Assert.Contains("contains pool \"outer\"", await Refused(Path.Combine(f.Root, "a")));
        Assert.Contains("contains Vireo's state directory", await Refused(f.Root));
        Assert.Contains("inside pool \"default\"", await Refused(Path.Combine(f.DefaultDir, "sub")));
        Assert.Contains("state directory", await Refused(Path.Combine(f.Paths.Root, "vms")));
        Assert.False(Directory.Exists(Path.Combine(outer, "inner")));
        Assert.Equal(["default", "outer"], f.Service.ListPools().Select(p => p.Name));
    }

    [Fact]
    public async Task Deleting_a_pool_with_volumes_is_refused_naming_them_and_unmanaged_files_are_never_deleted()
    {
        await using var f = await StorageFixture.StartAsync();
        var dir = Path.Combine(f.Root, "p");
        await f.Service.CreatePoolAsync(new PoolSpec { Name = "p", Path = dir }, f.Ct);
        await f.CreateAsync("p", "a.qcow2");
        await File.WriteAllTextAsync(Path.Combine(dir, "notes.txt"), "mine", f.Ct);
        Assert.Equal(["notes.txt"], f.Service.GetPool("p").Unmanaged);

        var e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeletePoolAsync("p", f.Ct));
        Assert.Contains("a.qcow2", e.Message);
        await f.Service.DeleteAsync("p/a.qcow2", f.Ct);
        await f.Service.DeletePoolAsync("p", f.Ct);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(dir, "notes.txt"), f.Ct));
        await Assert.ThrowsAsync<StorageNotFoundException>(() => Task.FromResult(f.Service.GetPool("p")));
    }

    [Fact]
    public async Task Temporary_files_left_by_a_killed_vireod_are_removed_at_start()
    {
        await using var f = await StorageFixture.StartAsync();
        var leftover = Path.Combine(f.DefaultDir, StorageService.TempPrefix + "deadbeef-x.qcow2");
        await File.WriteAllTextAsync(leftover, "partial", f.Ct);
        await File.WriteAllTextAsync(Path.Combine(f.DefaultDir, "user.img"), "keep", f.Ct);
        await f.Service.InitializeAsync(f.Ct);
        Assert.Equal(["user.img"], StorageFixture.Listing(f.DefaultDir));
    }
}
