using Vireo.Core.Console;

namespace Vireo.Core.Tests.Engine;

public sealed class SerialLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-log-").FullName;
    private string Log => Path.Combine(_dir, "serial.log");

    [Fact]
    public async Task Tail_returns_the_last_lines()
    {
        await File.WriteAllTextAsync(Log, "one\ntwo\nthree\nfour\n");
        var (text, end) = await SerialLog.ReadTailAsync(Log, 2, CancellationToken.None);
        Assert.Equal("three\nfour\n", text);
        Assert.Equal(new FileInfo(Log).Length, end);
        Assert.Equal("one\ntwo\nthree\nfour\n", (await SerialLog.ReadTailAsync(Log, null, CancellationToken.None)).Text);
        Assert.Equal("", (await SerialLog.ReadTailAsync(Path.Combine(_dir, "none"), 5, CancellationToken.None)).Text);
    }

    [Fact]
    public void Rotation_keeps_generations_and_truncates_in_place()
    {
        File.WriteAllText(Log, new string('a', 100));
        Assert.True(SerialLog.RotateIfLarge(Log, threshold: 50));
        File.WriteAllText(Log, new string('b', 100));
        Assert.True(SerialLog.RotateIfLarge(Log, threshold: 50));
        Assert.Equal(0, new FileInfo(Log).Length);
        Assert.Equal(new string('b', 100), File.ReadAllText(Log + ".1"));
        Assert.Equal(new string('a', 100), File.ReadAllText(Log + ".2"));
        Assert.False(SerialLog.RotateIfLarge(Log, threshold: 50));
    }

    [Fact]
    public async Task Follow_streams_appended_output()
    {
        await File.WriteAllTextAsync(Log, "old\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new System.Text.StringBuilder();
        var reader = Task.Run(async () =>
        {
            await foreach (var chunk in SerialLog.FollowAsync(Log, 4, cts.Token))
            {
                received.Append(System.Text.Encoding.UTF8.GetString(chunk.Span));
                if (received.ToString().Contains("new", StringComparison.Ordinal))
                    break;
            }
        });
        await Task.Delay(300);
        await File.AppendAllTextAsync(Log, "new\n");
        await reader;
        Assert.Equal("new\n", received.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
