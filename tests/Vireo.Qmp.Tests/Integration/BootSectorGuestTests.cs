namespace Vireo.Qmp.Tests.Integration;

/// <summary>
/// Events only a guest can cause, provoked by a 512-byte boot sector that SeaBIOS boots from a raw disk (no kernel):
/// a few port writes, then <c>cli; hlt</c>.
/// </summary>
public sealed class BootSectorGuestTests
{
    private static readonly byte[] HaltForever = [0xFA, 0xF4, 0xEB, 0xFD]; // cli; hlt; jmp back to hlt

    /// <summary>mov dx,0x505; mov al,1; out dx,al — bit 0 on the pvpanic port means "guest panicked".</summary>
    private static readonly byte[] Panic = [0xBA, 0x05, 0x05, 0xB0, 0x01, 0xEE];

    /// <summary>
    /// Writes the CMOS seconds register (index 0x70, data 0x71), which QEMU reports as RTC_CHANGE; then writes
    /// SLP_TYP=1|SLP_EN to PM1a_CNT at 0x604 (SeaBIOS puts the ICH9 PM base at 0x600; QEMU's ICH9 treats
    /// SLP_TYP 1 as S3).
    /// </summary>
    private static readonly byte[] SetClockThenSuspend =
        [0xB0, 0x00, 0xE6, 0x70, 0xB0, 0x30, 0xE6, 0x71, 0xBA, 0x04, 0x06, 0xB8, 0x00, 0x24, 0xEF];

    private static Action<DirectoryInfo> BootDisk(byte[] code) => dir =>
    {
        // SeaBIOS cannot read a 512-byte disk; 1 MiB is plenty.
        var image = new byte[1 << 20];
        code.CopyTo(image, 0);
        HaltForever.CopyTo(image, code.Length);
        image[510] = 0x55;
        image[511] = 0xAA;
        File.WriteAllBytes(Path.Combine(dir.FullName, "boot.img"), image);
    };

    private static string[] WithBootDisk(params string[] extra) =>
        ["-drive", "file=boot.img,format=raw,if=ide,snapshot=on", .. extra];

    [Fact]
    public async Task A_guest_panic_on_pvpanic_emits_GUEST_PANICKED_and_run_state_guest_panicked()
    {
        await using var qemu = await QemuUnderTest.StartAsync(
            WithBootDisk("-device", "pvpanic", "-action", "panic=pause"), prepare: BootDisk(Panic));

        await qemu.Client.ExecuteAsync(QmpCommands.Cont());

        var panic = await qemu.Client.Events.WaitForEventAsync<GuestPanickedEvent>(TimeSpan.FromSeconds(30));
        Assert.Equal("pause", panic.Action);
        Assert.Equal(RunState.GuestPanicked, (await qemu.Client.ExecuteAsync(QmpCommands.QueryStatus())).Status);
    }

    [Fact]
    public async Task A_guest_setting_its_clock_and_entering_S3_emits_RTC_CHANGE_SUSPEND_and_WAKEUP_on_wakeup()
    {
        await using var qemu = await QemuUnderTest.StartAsync(WithBootDisk(), prepare: BootDisk(SetClockThenSuspend));
        var client = qemu.Client;

        await client.ExecuteAsync(QmpCommands.Cont());

        var rtc = await client.Events.WaitForEventAsync<RtcChangeEvent>(TimeSpan.FromSeconds(30));
        Assert.NotNull(rtc.QomPath);
        await client.Events.WaitForEventAsync<SuspendEvent>();
        Assert.Equal(RunState.Suspended, (await client.ExecuteAsync(QmpCommands.QueryStatus())).Status);

        await client.ExecuteAsync(QmpCommands.SystemWakeup());
        await client.Events.WaitForEventAsync<WakeupEvent>();
    }
}
