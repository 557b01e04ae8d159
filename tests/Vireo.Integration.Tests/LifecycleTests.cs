using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Every lifecycle operation against a real tiny guest under TCG, through vireod and the CLI.</summary>
public class LifecycleTests(ITestOutputHelper output)
{
    /// <summary>Whether the CLI runs against vireod's TLS listener (<see cref="LifecycleOverTlsTests"/>).</summary>
    protected virtual bool OverTls => false;

    [Fact]
    public async Task Create_start_console_and_shutdown_follow_the_acceptance_path()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "a", "--image", "tiny");
        await h.VireoOk("start", "a");
        await h.WaitForSerialAsync("a", "VIREO-GUEST-READY", timeout: TimeSpan.FromSeconds(60));

        var logs = await h.VireoOk("logs", "a");
        Assert.Contains("VIREO-GUEST-READY", logs.Stdout);

        var console = await h.VireoWithInput("cat /proc/cpuinfo | grep -c processor\n", "console", "a");
        Assert.Equal(0, console.ExitCode);
        Assert.Matches(@"(?m)^1\r?$", console.Stdout);

        await h.VireoOk("shutdown", "a");
        var info = await h.VireoOk("info", "a", "-o", "json");
        Assert.Contains("\"state\": \"stopped\"", info.Stdout);
        Assert.Contains("guest powered off", info.Stdout);
        Assert.Empty(h.QemuPids());
    }

    [Fact]
    public async Task Destroy_stops_a_guest_that_ignores_acpi_and_shutdown_reports_it()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("deaf");
        // Make the guest ignore the ACPI power button.
        await h.VireoWithInput("rm /etc/acpi/power-button; echo acpi-gone\n", "console", "deaf");

        var refused = await h.Vireo("shutdown", "deaf", "--timeout", "3", "--no-force");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("did not power off within 3 s", refused.Stderr);
        Assert.Contains("running", (await h.VireoOk("list")).Stdout);
        Assert.Single(h.QemuPids());

        await h.VireoOk("destroy", "deaf");
        Assert.Contains("stopped", (await h.VireoOk("list", "--all")).Stdout);
        Assert.Empty(h.QemuPids());
    }

    [Fact]
    public async Task Shutdown_forces_off_after_its_timeout()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("stubborn");
        await h.VireoWithInput("rm /etc/acpi/power-button\n", "console", "stubborn");
        var result = await h.VireoOk("shutdown", "stubborn", "--timeout", "2");
        Assert.Contains("forced off", result.Stdout);
        Assert.Empty(h.QemuPids());
    }

    [Fact]
    public async Task Reboot_restarts_the_guest_through_acpi_and_keeps_the_process()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("r");
        var pid = Assert.Single(h.QemuPids());
        var result = await h.VireoOk("reboot", "r");
        Assert.Contains("rebooted by the guest", result.Stdout);
        await h.WaitForSerialAsync("r", "VIREO-GUEST-READY", times: 2);
        Assert.Equal(pid, Assert.Single(h.QemuPids()));
        Assert.Contains("running", (await h.VireoOk("list")).Stdout);
    }

    [Fact]
    public async Task Reset_suspend_and_resume_change_state_and_the_guest_keeps_answering()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("s");

        await h.VireoOk("suspend", "s");
        Assert.Contains("\"state\": \"paused\"", (await h.VireoOk("info", "s", "-o", "json")).Stdout);
        await h.VireoOk("resume", "s");
        Assert.Contains("\"state\": \"running\"", (await h.VireoOk("info", "s", "-o", "json")).Stdout);

        await h.VireoOk("reset", "s");
        await h.WaitForSerialAsync("s", "VIREO-GUEST-READY", times: 2);
        var answer = await h.VireoWithInput("echo after-reset-$((6*7))\n", "console", "s");
        Assert.Contains("after-reset-42", answer.Stdout);
    }

    [Fact]
    public async Task Undefine_removes_a_stopped_vm_with_its_files()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: OverTls);
        await h.StartTinyAsync("u");
        await h.VireoOk("destroy", "u");
        var vmDirs = Directory.GetDirectories(Path.Combine(h.StateDir, "vms"));
        Assert.Single(vmDirs);
        await h.VireoOk("undefine", "u");
        Assert.Empty(Directory.GetDirectories(Path.Combine(h.StateDir, "vms")));
        Assert.Equal(3, (await h.Vireo("info", "u")).ExitCode);
    }
}

/// <summary>
/// <see cref="LifecycleTests"/> again, with every CLI command sent to vireod's TLS listener as a remote
/// (VIREO_CONNECT + VIREO_TOKEN, the certificate pinned by `vireo remote add`): the chosen part of the CLI suite
/// that runs remotely (docs/remote-cli.md).
/// </summary>
public sealed class LifecycleOverTlsTests(ITestOutputHelper output) : LifecycleTests(output)
{
    protected override bool OverTls => true;
}
