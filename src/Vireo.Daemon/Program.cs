using Vireo.Daemon;
using Vireo.Host.Os;

// Before anything is started: no child of vireod inherits what vireod inherited.
InheritedDescriptors.MarkCloseOnExec();

DaemonOptions options;
try
{
    options = DaemonOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"vireod: {e.Message}");
    return 2;
}
if (options.ShowHelp)
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}
if (options.ShowVersion)
{
    Console.WriteLine($"vireod {DaemonHost.Version}");
    return 0;
}
return await DaemonHost.RunAsync(options);
