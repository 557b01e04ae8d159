using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Vireo.Qmp.Tests.Unit;

public sealed class JobAndTransactionCommandTests
{
    [Fact]
    public void A_transaction_sends_its_actions_in_order_and_grouped_completion_when_asked()
    {
        var command = QmpCommands.Transaction(
        [
            new TransactionAction("block-dirty-bitmap-add", new JsonObject { ["node"] = "drive0", ["name"] = "b0" }),
            new TransactionAction("blockdev-backup", new JsonObject { ["device"] = "drive0", ["target"] = "t0", ["sync"] = "full" }),
        ], grouped: true);
        Assert.Equal("transaction", command.Name);
        Assert.Equal(
            """{"actions":[{"type":"block-dirty-bitmap-add","data":{"node":"drive0","name":"b0"}},{"type":"blockdev-backup","data":{"device":"drive0","target":"t0","sync":"full"}}],"properties":{"completion-mode":"grouped"}}""",
            command.BuildArguments()!.ToJsonString());
    }

    [Fact]
    public void An_empty_transaction_is_refused_before_it_reaches_QEMU()
    {
        Assert.Throws<ArgumentException>(() => QmpCommands.Transaction([]).BuildArguments());
    }

    [Fact]
    public void Query_jobs_parses_progress_status_and_error()
    {
        using var doc = JsonDocument.Parse(
            """[{"current-progress":512,"status":"concluded","total-progress":1024,"type":"backup","id":"b1","error":"No space left on device"},{"current-progress":0,"status":"running","total-progress":0,"type":"snapshot-save","id":"s1"}]""");
        var jobs = QmpCommands.QueryJobs().ParseResult(doc.RootElement);
        Assert.Equal(2, jobs.Count);
        Assert.Equal(JobStatus.Concluded, jobs[0].Status);
        Assert.Equal(0.5, jobs[0].Fraction);
        Assert.Equal("No space left on device", jobs[0].Error);
        Assert.Equal(JobStatus.Running, jobs[1].Status);
        Assert.Equal(0, jobs[1].Fraction);
        Assert.Null(jobs[1].Error);
    }

    [Fact]
    public void Job_commands_name_the_job_by_id()
    {
        Assert.Equal("""{"id":"j"}""", QmpCommands.JobDismiss("j").BuildArguments()!.ToJsonString());
        Assert.Equal("job-cancel", QmpCommands.JobCancel("j").Name);
        Assert.Equal("job-finalize", QmpCommands.JobFinalize("j").Name);
    }
}
