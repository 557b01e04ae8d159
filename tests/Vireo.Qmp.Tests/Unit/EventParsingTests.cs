using System.Text.Json;
using Vireo.Qmp.Tests.Fakes;

namespace Vireo.Qmp.Tests.Unit;

public sealed class EventParsingTests
{
    private const string Session = "qemu-7.2-events.jsonl";
    private const string Guest = "qemu-7.2-guest-events.jsonl";
    private const string Reference = "qmp-reference-7.2-events.jsonl";

    private static QmpEvent Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement.Clone();
        return QmpEventParser.Parse(root.GetProperty("event").GetString()!, root, trace: null);
    }

    private static T ParseFixture<T>(string file, string name) where T : QmpEvent => Assert.IsType<T>(Parse(QmpFixtures.Event(file, name)));

    [Fact]
    public void Every_recorded_and_reference_event_parses_into_its_typed_record()
    {
        var lines = QmpFixtures.Events(Session).Concat(QmpFixtures.Events(Guest)).Concat(QmpFixtures.Events(Reference));
        foreach (var line in lines)
        {
            var e = Parse(line);
            Assert.IsNotType<UnknownEvent>(e);
            Assert.Equal(JsonDocument.Parse(line).RootElement.GetProperty("event").GetString(), e.Name);
        }
    }

    [Fact]
    public void Timestamp_combines_seconds_and_microseconds()
    {
        var e = Assert.IsType<ResumeEvent>(Parse("""{"timestamp": {"seconds": 1795522583, "microseconds": 897014}, "event": "RESUME"}"""));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795522583).AddTicks(897014 * 10), e.Timestamp);
        Assert.Equal("RESUME", e.Name);
    }

    [Fact]
    public void Shutdown_and_reset_carry_guest_and_reason()
    {
        Assert.Equal(new ShutdownEvent(false, "host-qmp-quit"), ParseFixture<ShutdownEvent>(Session, "SHUTDOWN") with { Timestamp = default });
        Assert.Equal(new ShutdownEvent(true, "guest-shutdown"), ParseFixture<ShutdownEvent>(Reference, "SHUTDOWN") with { Timestamp = default });
        var reset = ParseFixture<ResetEvent>(Session, "RESET");
        Assert.False(reset.Guest);
        Assert.Equal("host-qmp-system-reset", reset.Reason);
    }

    [Fact]
    public void Data_less_run_state_events_parse()
    {
        ParseFixture<StopEvent>(Session, "STOP");
        ParseFixture<PowerdownEvent>(Session, "POWERDOWN");
        ParseFixture<SuspendEvent>(Guest, "SUSPEND");
        ParseFixture<WakeupEvent>(Guest, "WAKEUP");
    }

    [Fact]
    public void Guest_events_carry_their_data()
    {
        var panic = ParseFixture<GuestPanickedEvent>(Guest, "GUEST_PANICKED");
        Assert.Equal("pause", panic.Action);
        Assert.Null(panic.Info);

        var rtc = ParseFixture<RtcChangeEvent>(Guest, "RTC_CHANGE");
        Assert.Equal(-20, rtc.Offset);
        Assert.Equal("/machine/unattached/device[8]", rtc.QomPath);

        Assert.Equal("reset", ParseFixture<WatchdogEvent>(Reference, "WATCHDOG").Action);
    }

    [Fact]
    public void Guest_panic_information_is_kept_as_raw_json()
    {
        var e = Assert.IsType<GuestPanickedEvent>(Parse(
            """{"event": "GUEST_PANICKED", "data": {"action": "pause", "info": {"type": "hyper-v", "arg1": 1, "arg2": 2, "arg3": 3, "arg4": 4, "arg5": 5}}, "timestamp": {"seconds": 1, "microseconds": 0}}"""));
        Assert.Equal("hyper-v", e.Info!.Value.GetProperty("type").GetString());
    }

    [Fact]
    public void Device_events_carry_id_and_path()
    {
        Assert.Equal(new DeviceDeletedEvent("/machine/peripheral/kbd0", "kbd0"),
            ParseFixture<DeviceDeletedEvent>(Session, "DEVICE_DELETED") with { Timestamp = default });
        var nic = ParseFixture<NicRxFilterChangedEvent>(Reference, "NIC_RX_FILTER_CHANGED");
        Assert.Equal("vnet0", nic.NetClientName);
        Assert.Equal("NIC_RX_FILTER_CHANGED", nic.Name);
        Assert.Equal("/machine/peripheral/vnet0/virtio-backend", nic.Path);
    }

    [Fact]
    public void Block_job_events_carry_progress_and_status()
    {
        var done = ParseFixture<BlockJobCompletedEvent>(Session, "BLOCK_JOB_COMPLETED");
        Assert.Equal(new BlockJobCompletedEvent("backup", "job0", 1048576, 1048576, 0), done with { Timestamp = default });

        var statuses = QmpFixtures.Events(Session).Select(Parse).OfType<JobStatusChangeEvent>().Select(e => e.Status);
        Assert.Equal(
            [JobStatus.Created, JobStatus.Running, JobStatus.Paused, JobStatus.Running, JobStatus.Waiting,
             JobStatus.Pending, JobStatus.Concluded, JobStatus.Null],
            statuses);

        var cancelled = ParseFixture<BlockJobCancelledEvent>(Reference, "BLOCK_JOB_CANCELLED");
        Assert.Equal(134217728, cancelled.Offset);
        var error = ParseFixture<BlockJobErrorEvent>(Reference, "BLOCK_JOB_ERROR");
        Assert.Equal(("ide0-hd1", "write", "stop"), (error.Device, error.Operation, error.Action));
    }

    [Fact]
    public void Vnc_events_carry_server_and_client()
    {
        var connected = ParseFixture<VncConnectedEvent>(Session, "VNC_CONNECTED");
        Assert.Equal(new VncServerInfo("127.0.0.1", "5977", "ipv4", false, "none"), connected.Server);
        Assert.Equal("127.0.0.1", connected.Client.Host);
        Assert.False(connected.Client.Websocket);
        ParseFixture<VncDisconnectedEvent>(Session, "VNC_DISCONNECTED");
    }

    [Fact]
    public void An_unknown_event_arrives_as_UnknownEvent_with_its_raw_data()
    {
        var e = Assert.IsType<UnknownEvent>(Parse(
            """{"timestamp": {"seconds": 1795522584, "microseconds": 5}, "event": "BALLOON_CHANGE", "data": {"actual": 1073741824}}"""));
        Assert.Equal("BALLOON_CHANGE", e.Name);
        Assert.Equal(1073741824, e.Data!.Value.GetProperty("actual").GetInt64());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795522584).AddTicks(50), e.Timestamp);
    }

    [Fact]
    public void A_known_event_with_an_unexpected_shape_falls_back_to_UnknownEvent_instead_of_failing()
    {
        var traced = new List<string>();
        using var doc = JsonDocument.Parse("""{"event": "SHUTDOWN", "data": {"guest": "yes"}, "timestamp": {"seconds": 1, "microseconds": 0}}""");
        var e = QmpEventParser.Parse("SHUTDOWN", doc.RootElement.Clone(), traced.Add);

        Assert.IsType<UnknownEvent>(e);
        Assert.Equal("SHUTDOWN", e.Name);
        Assert.Single(traced);
    }

    [Fact]
    public async Task Events_that_nobody_reads_yet_are_buffered_in_order()
    {
        var (client, peer) = await ScriptedQmpPeer.ConnectAsync();
        await using var _ = client;
        await using var __ = peer;

        var lines = QmpFixtures.Events(Session);
        foreach (var line in lines)
        {
            await peer.SendAsync(line);
        }

        // A command round-trip proves every event before it has been dispatched.
        var status = client.ExecuteAsync(QmpCommands.QueryStatus());
        await peer.ReplyWithRecordingAsync(await peer.ReceiveAsync(), "query-status");
        await status.Within();

        var names = new List<string>();
        while (client.Events.TryRead(out var e))
        {
            names.Add(e.Name);
        }

        Assert.Equal(lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()), names);
    }
}
