namespace Vireo.Cli.Options;

/// <summary>The nearest names to a mistyped one (edit distance), for "did you mean ...?".</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidates closest to <paramref name="typed"/>, best first: those within a third of its length in edit
    /// distance (at least 1, at most 3), all at the best distance found; plus any that start with it.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string typed, IEnumerable<string> candidates, int max = 3)
    {
        if (typed.Length == 0 || typed.Length > 64)
            return [];
        string lower = typed.ToLowerInvariant();
        int limit = Math.Clamp(typed.Length / 3, 1, 3);
        var scored = candidates.Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: Distance(lower, c.ToLowerInvariant()), Prefix: c.StartsWith(typed, StringComparison.OrdinalIgnoreCase)))
            .Where(x => x.Distance <= limit || x.Prefix && typed.TrimStart('-').Length >= 2)
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .ToList();
        if (scored.Count == 0)
            return [];
        int best = scored[0].Distance;
        return scored.Where(x => x.Distance == best || x.Prefix).Take(max).Select(x => x.Name).ToList();
    }

    /// <summary>"pool or clone", "a, b or c".</summary>
    public static string OrList(IReadOnlyList<string> names) =>
        names.Count switch
        {
            0 => "",
            1 => names[0],
            _ => string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1],
        };

    /// <summary>Levenshtein distance, with an adjacent transposition counting as one edit ("lsit" → "list").</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
