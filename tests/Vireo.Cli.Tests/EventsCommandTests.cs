using Vireo.Cli.Commands;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class EventsCommandTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 15, 21, 33, TimeSpan.Zero);

    [Fact]
    public void An_event_line_shows_time_type_subject_state_progress_and_message()
    {
        var time = At.ToLocalTime().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"{time}  vm.state            vm web1  running  (running under TCG software emulation)",
            EventsCommand.Line(new VireoEvent { Time = At, Type = EventTypes.VmState, Vm = "web1", State = "running", Message = "running under TCG software emulation" }));
        Assert.Equal($"{time}  operation.progress  pool default operation 5c0d  running  42%  volume-clone default/a.qcow2",
            EventsCommand.Line(new VireoEvent { Time = At, Type = EventTypes.OperationProgress, Pool = "default", Operation = "5c0d", State = "running", Progress = 0.42, Message = "volume-clone default/a.qcow2" }));
        Assert.Equal($"{time}  host.alert          pool default  pool-full  pool \"default\" is 93% full",
            EventsCommand.Line(new VireoEvent { Time = At, Type = EventTypes.HostAlert, Pool = "default", State = "pool-full", Message = "pool \"default\" is 93% full" }));
        Assert.Equal($"{time}  vm.undefined        vm old",
            EventsCommand.Line(new VireoEvent { Time = At, Type = EventTypes.VmUndefined, Vm = "old" }));
    }

    [Fact]
    public void Every_type_vireod_sends_is_one_that_type_takes()
    {
        Assert.All(EventTypes.All.Where(t => t != EventTypes.Overflow), t => Assert.Contains(t, EventsCommand.Types));
        Assert.All(EventsCommand.Types, t => Assert.Contains(EventTypes.All, full => full.StartsWith(t, StringComparison.Ordinal)));
    }
}
