using Vireo.Cli;

return await CliApp.RunAsync(args, CliEnvironment.FromProcess());
