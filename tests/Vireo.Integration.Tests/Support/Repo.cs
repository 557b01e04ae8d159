using System.Reflection;

namespace Vireo.Integration.Tests.Support;

/// <summary>Locates the repository and the built vireod/vireo next to this test assembly's configuration.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string DaemonDll => Built("Vireo.Daemon", "vireod.dll");
    public static string CliDll => Built("Vireo.Cli", "vireo.dll");

    /// <summary>Where built guest images live (the same cache the README's commands fill).</summary>
    public static string ImageDir => Environment.GetEnvironmentVariable("VIREO_IMAGE_DIR") is { Length: > 0 } dir
        ? dir
        : "/var/cache/vireo/images";

    private static string Built(string project, string file)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; run dotnet build first", path);
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Vireo.slnx")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("cannot find the repository root (Vireo.slnx) above " + AppContext.BaseDirectory);
    }
}
