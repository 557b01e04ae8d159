using System.CommandLine;
using System.Text;
using Vireo.Cli;

namespace Vireo.DocGen;

/// <summary>
/// vireo's man pages and shell completions, generated from the CLI itself: each page is the text that
/// <c>vireo COMMAND --help</c> prints (System.CommandLine's help plus CommandDocs' details, examples and exit codes),
/// typeset as roff; the completions list the command tree's subcommands and options.
/// Usage: Vireo.DocGen --out DIR [--version V] [--vireod-help FILE]
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string? outDir = null, version = "", vireodHelp = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": outDir = args[++i]; break;
                case "--version": version = args[++i]; break;
                case "--vireod-help": vireodHelp = args[++i]; break;
                default: Console.Error.WriteLine($"Vireo.DocGen: unknown argument '{args[i]}'"); return 2;
            }
        }
        if (outDir is null)
        {
            Console.Error.WriteLine("usage: Vireo.DocGen --out DIR [--version V] [--vireod-help FILE]");
            return 2;
        }
        var man = Directory.CreateDirectory(Path.Combine(outDir, "man")).FullName;
        var completions = Directory.CreateDirectory(Path.Combine(outDir, "completions")).FullName;
        var root = new CliApp(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null)).BuildRoot();
        var pages = 0;
        // vireo.1, then one page per top-level command (its subcommands are sections of that page), like git's.
        File.WriteAllText(Path.Combine(man, "vireo.1"), Man.Page("vireo", "1", version, [(null, Help([]))], root.Subcommands.Select(c => c.Name)));
        pages++;
        foreach (var command in root.Subcommands.Where(c => !c.Hidden))
        {
            var parts = new List<(string?, string)> { (null, Help([command.Name])) };
            foreach (var (path, _) in Walk(command, [command.Name]).Skip(1))
                parts.Add((string.Join(' ', path), Help(path)));
            File.WriteAllText(Path.Combine(man, $"vireo-{command.Name}.1"), Man.Page($"vireo-{command.Name}", "1", version, parts, []));
            pages++;
        }
        if (vireodHelp is not null)
        {
            File.WriteAllText(Path.Combine(man, "vireod.8"), Man.Page("vireod", "8", version, [(null, File.ReadAllText(vireodHelp))], []));
            pages++;
        }
        var tree = Walk(root, []).ToList();
        File.WriteAllText(Path.Combine(completions, "vireo.bash"), Completions.Bash(tree));
        File.WriteAllText(Path.Combine(completions, "_vireo"), Completions.Zsh(tree));
        File.WriteAllText(Path.Combine(completions, "vireo.fish"), Completions.Fish(tree));
        Console.Error.WriteLine($"Vireo.DocGen: {pages} man pages, completions for {tree.Count} commands in {outDir}");
        return 0;

        string Help(string[] path)
        {
            var output = new StringWriter();
            var parse = root.Parse([.. path, "--help"]);
            parse.Invoke(new InvocationConfiguration { Output = output, Error = output });
            // The root command is named after the running program: this tool's name, not vireo's.
            return output.ToString().Replace(AppDomain.CurrentDomain.FriendlyName, "vireo");
        }
    }

    /// <summary>Every command under <paramref name="command"/> (itself first) with its path of names.</summary>
    internal static IEnumerable<(string[] Path, Command Command)> Walk(Command command, string[] path)
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach (var item in Walk(sub, [.. path, sub.Name]))
                yield return item;
        }
    }
}

/// <summary>Help text as a man page: its "Section:" lines become .SH headings, everything else stays as printed.</summary>
internal static class Man
{
    public static string Page(string name, string section, string version, IEnumerable<(string? Sub, string Help)> parts, IEnumerable<string> seeAlso)
    {
        var sb = new StringBuilder();
        var title = name.ToUpperInvariant();
        sb.Append($".TH \"{title}\" \"{section}\" \"\" \"vireo {Escape(version)}\" \"Vireo\"\n");
        var first = true;
        foreach (var (sub, help) in parts)
        {
            var lines = help.Replace("\r", "").Split('\n').ToList();
            if (first)
            {
                // "Description:" (or vireod's first line) gives NAME's one-line summary.
                var summary = Summary(lines);
                sb.Append(".SH NAME\n").Append(Escape(name)).Append(" \\- ").Append(Escape(summary)).Append('\n');
            }
            else
            {
                sb.Append($".SH \"{Escape(sub!.ToUpperInvariant())}\"\n");
            }
            sb.Append(".nf\n");
            foreach (var line in lines)
            {
                if (line.Length > 0 && char.IsLetter(line[0]) && line.TrimEnd().EndsWith(':') && !line.Contains("  "))
                {
                    var heading = line.TrimEnd().TrimEnd(':').ToUpperInvariant();
                    sb.Append(".fi\n").Append(first ? ".SH " : ".SS ").Append('"').Append(Escape(heading)).Append("\"\n.nf\n");
                }
                else
                {
                    sb.Append(Escape(line)).Append('\n');
                }
            }
            sb.Append(".fi\n");
            first = false;
        }
        var also = seeAlso.Select(s => $"vireo-{s}(1)").Append(name == "vireod" ? "vireo(1)" : "vireod(8)").ToList();
        sb.Append(".SH \"SEE ALSO\"\n").Append(Escape(string.Join(", ", also))).Append('\n');
        return sb.ToString();
    }

    private static string Summary(List<string> lines)
    {
        var at = lines.FindIndex(l => l.TrimEnd() == "Description:");
        var text = at >= 0 && at + 1 < lines.Count ? lines[at + 1].Trim() : lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
        // vireod's usage starts "vireod - the Vireo virtualization daemon".
        var dash = text.IndexOf(" - ", StringComparison.Ordinal);
        return dash > 0 && dash < 20 ? text[(dash + 3)..] : text;
    }

    /// <summary>roff-safe text: backslashes escaped, and a line starting with . or ' not read as a request.</summary>
    public static string Escape(string text)
    {
        var s = text.Replace("\\", "\\e").Replace("-", "\\-");
        return s.Length > 0 && (s[0] == '.' || s[0] == '\'') ? "\\&" + s : s;
    }
}

/// <summary>Static completion scripts from the command tree (no call back into vireo while completing).</summary>
internal static class Completions
{
    private static IEnumerable<string> OptionNames(Command command) =>
        command.Options.Concat(command.Parents.OfType<Command>().SelectMany(AllParents).SelectMany(p => p.Options.Where(o => o.Recursive)))
            .Where(o => !o.Hidden)
            .SelectMany(Names)
            .Distinct().Order(StringComparer.Ordinal);

    /// <summary>An option's name and aliases, without the Windows-style help spellings (/?, /h, -?).</summary>
    internal static IEnumerable<string> Names(Option o) =>
        new[] { o.Name }.Concat(o.Aliases).Where(n => n.StartsWith('-') && n != "-?");

    private static IEnumerable<Command> AllParents(Command c) =>
        new[] { c }.Concat(c.Parents.OfType<Command>().SelectMany(AllParents));

    private static bool TakesValue(Option o) => o.Arity.MaximumNumberOfValues > 0 && o.ValueType != typeof(bool);

    private static string[] ValueOptions(List<(string[] Path, Command Command)> tree) =>
        tree.SelectMany(t => t.Command.Options).Where(TakesValue).SelectMany(o => new[] { o.Name }.Concat(o.Aliases))
            .Distinct().Order(StringComparer.Ordinal).ToArray();

    public static string Bash(List<(string[] Path, Command Command)> tree)
    {
        var sb = new StringBuilder();
        sb.Append("# bash completion for vireo, generated from its command tree by tools/Vireo.DocGen.\n");
        sb.Append("_vireo() {\n");
        sb.Append("    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path='' word i\n");
        sb.Append($"    local value_opts=' {string.Join(' ', ValueOptions(tree))} '\n");
        sb.Append("    # The command path: the words before the cursor that are not options or option values.\n");
        sb.Append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        sb.Append("        word=${COMP_WORDS[i]}\n");
        sb.Append("        if [[ $word == -* ]]; then [[ $word != *=* && $value_opts == *\" $word \"* ]] && ((i++)); continue; fi\n");
        sb.Append("        _vireo_words \"${path:+$path }$word\" >/dev/null && path=\"${path:+$path }$word\"\n");
        sb.Append("    done\n");
        sb.Append("    if [[ $value_opts == *\" $prev \"* ]]; then COMPREPLY=($(compgen -f -- \"$cur\")); return; fi\n");
        sb.Append("    COMPREPLY=($(compgen -W \"$(_vireo_words \"$path\")\" -- \"$cur\"))\n");
        sb.Append("    [[ ${#COMPREPLY[@]} -eq 0 && $cur != -* ]] && COMPREPLY=($(compgen -f -- \"$cur\"))\n");
        sb.Append("    return 0\n}\n");
        sb.Append("# Subcommands and options of each command path; fails for a path that is not a command.\n");
        sb.Append("_vireo_words() {\n    case \"$1\" in\n");
        foreach (var (path, command) in tree)
        {
            var words = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).Concat(OptionNames(command));
            sb.Append($"        '{string.Join(' ', path)}') echo '{string.Join(' ', words)}' ;;\n");
        }
        sb.Append("        *) return 1 ;;\n    esac\n}\n");
        sb.Append("complete -o default -F _vireo vireo\n");
        return sb.ToString();
    }

    public static string Zsh(List<(string[] Path, Command Command)> tree)
    {
        var sb = new StringBuilder();
        sb.Append("#compdef vireo\n# zsh completion for vireo, generated from its command tree by tools/Vireo.DocGen.\n");
        sb.Append("_vireo() {\n");
        sb.Append("  local path_='' word i\n");
        sb.Append($"  local -a value_opts=({string.Join(' ', ValueOptions(tree))})\n");
        sb.Append("  for ((i = 2; i < CURRENT; i++)); do\n");
        sb.Append("    word=${words[i]}\n");
        sb.Append("    if [[ $word == -* ]]; then [[ $word != *=* && ${value_opts[(Ie)$word]} -gt 0 ]] && ((i++)); continue; fi\n");
        sb.Append("    _vireo_described \"${path_:+$path_ }$word\" >/dev/null && path_=\"${path_:+$path_ }$word\"\n");
        sb.Append("  done\n");
        sb.Append("  if (( ${value_opts[(Ie)${words[CURRENT-1]}]} )); then _files; return; fi\n");
        sb.Append("  local -a cmds opts\n");
        sb.Append("  local line\n");
        sb.Append("  for line in \"${(@f)$(_vireo_described \"$path_\")}\"; do\n");
        sb.Append("    [[ $line == -* ]] && opts+=(\"$line\") || cmds+=(\"$line\")\n");
        sb.Append("  done\n");
        sb.Append("  (( ${#cmds} )) && _describe -t commands 'vireo command' cmds\n");
        sb.Append("  [[ $PREFIX == -* ]] && _describe -t options 'option' opts\n");
        sb.Append("  (( ${#cmds} )) || [[ $PREFIX == -* ]] || _files\n");
        sb.Append("}\n");
        sb.Append("_vireo_described() {\n  case \"$1\" in\n");
        foreach (var (path, command) in tree)
        {
            var lines = command.Subcommands.Where(c => !c.Hidden).Select(c => $"{c.Name}:{Clean(c.Description)}")
                .Concat(OptionNames(command).Select(o => $"{o.Replace(":", "\\:")}"));
            sb.Append($"    '{string.Join(' ', path)}') print -rl -- {string.Join(' ', lines.Select(Quote))} ;;\n");
        }
        sb.Append("    *) return 1 ;;\n  esac\n}\n");
        sb.Append("_vireo \"$@\"\n");
        return sb.ToString();
    }

    public static string Fish(List<(string[] Path, Command Command)> tree)
    {
        var sb = new StringBuilder();
        sb.Append("# fish completion for vireo, generated from its command tree by tools/Vireo.DocGen.\n");
        sb.Append($"set -g __vireo_value_opts {string.Join(' ', ValueOptions(tree))}\n");
        sb.Append("# True when the command path typed so far (words that are not options or their values) is exactly $argv.\n");
        sb.Append("function __vireo_at\n");
        sb.Append("    set -l words (commandline -opc)[2..-1]\n    set -l path\n    set -l skip 0\n");
        sb.Append("    for w in $words\n");
        sb.Append("        if test $skip = 1; set skip 0; continue; end\n");
        sb.Append("        if string match -q -- '-*' $w\n            if not string match -q -- '*=*' $w; and contains -- $w $__vireo_value_opts; set skip 1; end\n            continue\n        end\n");
        sb.Append("        set path $path $w\n    end\n");
        sb.Append("    test \"$path\" = \"$argv\"\nend\n");
        sb.Append("complete -c vireo -f\n");
        foreach (var (path, command) in tree)
        {
            var at = $"__vireo_at {string.Join(' ', path)}".TrimEnd();
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
                sb.Append($"complete -c vireo -n '{at}' -a {Quote(sub.Name)} -d {Quote(Clean(sub.Description))}\n");
            foreach (var option in command.Options.Where(o => !o.Hidden))
            {
                var names = Names(option);
                var flags = string.Join(' ', names.Select(n => n.StartsWith("--") ? $"-l {n[2..]}" : n.Length == 2 ? $"-s {n[1..]}" : $"-o {n.TrimStart('-')}"));
                sb.Append($"complete -c vireo -n '{at}' {flags}{(TakesValue(option) ? " -r -F" : "")} -d {Quote(Clean(option.Description))}\n");
            }
        }
        return sb.ToString();
    }

    private static string Clean(string? text)
    {
        var s = (text ?? "").Split('\n')[0].Trim();
        return s.Length > 80 ? s[..77] + "..." : s;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
