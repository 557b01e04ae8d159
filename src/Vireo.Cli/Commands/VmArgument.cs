using System.CommandLine;
using Vireo.Cli.Options;

namespace Vireo.Cli.Commands;

/// <summary>The NAME argument of the per-VM commands.</summary>
internal static class VmArgument
{
    public static Argument<string> Create() => Arg.Name("NAME", "The VM's name");
}
