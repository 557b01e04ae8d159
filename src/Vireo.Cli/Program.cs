using Vireo.Cli;

StartupMemory.Prefault();
return await CliApp.RunAsync(args, CliEnvironment.FromProcess());
