using SharpFuzz;
using Vireo.Fuzz;

// vireo-fuzz TARGET            under afl-fuzz (fuzz/run.sh): SharpFuzz's out-of-process loop, input on stdin
// vireo-fuzz TARGET FILE...    runs the target once per file and prints what it threw (reproducing a finding)
if (args.Length == 0 || !Targets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Vireo.Fuzz TARGET [FILE...]; targets: {string.Join(", ", Targets.Names)}");
    return 2;
}
var target = args[0];
if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args.Skip(1))
    {
        try
        {
            Targets.Run(target, File.ReadAllBytes(file));
            Console.WriteLine($"{file}: ok");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"{file}: {e}");
        }
    }
    return failed == 0 ? 0 : 1;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    Targets.Run(target, buffer.ToArray());
});
return 0;
