namespace Vireo.Core.Specs;

/// <summary>"Did you mean" helpers: the closest known word by edit distance, for unknown field names and values.</summary>
internal static class Suggestions
{
    /// <summary>Words people reach for that are too far from the real name for edit distance to find.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ram"] = "memory", ["mem"] = "memory", ["memory_mb"] = "memory", ["memory_mib"] = "memory",
        ["cores"] = "vcpus", ["cpus"] = "vcpus", ["smp"] = "vcpus",
        ["disk"] = "disks", ["drives"] = "disks", ["volumes"] = "disks",
        ["nic"] = "nics", ["network"] = "nics", ["networks"] = "nics", ["interfaces"] = "nics",
        ["file"] = "path", ["source"] = "path", ["driver"] = "format", ["ro"] = "readonly",
        ["kernel_cmdline"] = "cmdline", ["append"] = "cmdline", ["vnc"] = "graphics", ["display"] = "graphics",
    };

    /// <summary>The candidate the user most likely meant, or null when none is close (distance ≤ 2).</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        var list = candidates as IReadOnlyCollection<string> ?? candidates.ToList();
        if (Aliases.TryGetValue(word, out var alias) && list.Contains(alias)) return alias;

        // readOnly, read-only, ON_CRASH: the same word in another case or separator style.
        var folded = Fold(word);
        var sameWord = list.FirstOrDefault(c => Fold(c) == folded);
        if (sameWord is not null) return sameWord;

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in list)
        {
            var d = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        // Distance 2 on a 3-letter word would suggest almost anything; scale the threshold down for short words.
        var limit = Math.Min(2, Math.Max(1, word.Length / 3));
        return bestDistance <= limit ? best : null;
    }

    /// <summary>Optimal string alignment distance: Levenshtein plus adjacent transpositions (fromat → format is 1).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>" Did you mean "x"?" or, with no close match, the list of what is allowed.</summary>
    public static string Hint(string word, IReadOnlyCollection<string> candidates, string listIntro)
    {
        var closest = Closest(word, candidates);
        return closest is not null ? $"did you mean \"{closest}\"?" : $"{listIntro} {string.Join(", ", candidates)}";
    }

    private static string Fold(string s) => s.Replace("_", "").Replace("-", "").ToLowerInvariant();
}
