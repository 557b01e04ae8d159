using System.Diagnostics;
using System.Text;
using Vireo.Cli.Terminal;

namespace Vireo.Cli.Tests;

/// <summary>The real process path: Program.cs, standard streams on fds 0-2, exit status.</summary>
public sealed class BuiltBinaryTests : FakeDaemonTest
{
    private static string VireoDll => Path.Combine(AppContext.BaseDirectory, "vireo.dll");

    /// <summary><paramref name="program"/> with its standard streams redirected and vireod's socket variable unset.</summary>
    private static ProcessStartInfo Redirected(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment.Remove("VIREO_SOCKET");
        return start;
    }

    [Fact]
    public async Task Built_vireo_pipes_stdin_to_the_console_and_prints_the_answer()
    {
        var start = Redirected("dotnet", VireoDll, "--socket", Daemon.SocketPath, "console", "web1", "--idle", "2");
        using var process = Process.Start(start)!;
        try
        {
            await process.StandardInput.WriteAsync("uname -a\n");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);

            Assert.True(process.ExitCode == 0, await stderr);
            Assert.Contains(FakeShell.UnameAnswer, await stdout);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }

    [Fact]
    public async Task Output_to_a_reader_that_went_away_ends_quietly_with_the_SIGPIPE_status()
    {
        // `true` exits at once, long before vireo (started through dotnet) writes its help into the pipe.
        var start = Redirected("bash", "-c", "dotnet \"$0\" --help | true; echo \"${PIPESTATUS[0]}\"", VireoDll);
        start.RedirectStandardInput = false;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal("141", (await stdout).Trim());
        Assert.Equal("", await stderr);
    }

    [Fact]
    public void Fd_stream_writes_at_the_end_of_an_append_mode_file_not_at_offset_zero()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "first\n");
            using (var appender = new FileStream(file, FileMode.Append, FileAccess.Write))
            {
                int fd = (int)appender.SafeFileHandle.DangerousGetHandle();
                using var stream = new FdStream(fd, canRead: false);
                stream.Write("second\n"u8);
                stream.Write("third\n"u8);
            }
            Assert.Equal("first\nsecond\nthird\n", File.ReadAllText(file, Encoding.UTF8));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
