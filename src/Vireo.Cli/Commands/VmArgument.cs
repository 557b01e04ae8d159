using System.CommandLine;

namespace Vireo.Cli.Commands;

/// <summary>The NAME argument of the per-VM commands.</summary>
internal static class VmArgument
{
    public static Argument<string> Create() => new("NAME") { Description = "The VM's name" };
}
