using Vireo.Daemon;

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
