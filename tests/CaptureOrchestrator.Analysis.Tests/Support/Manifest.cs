using System.Text.RegularExpressions;

namespace CaptureOrchestrator.Analysis.Tests.Support;

/// <summary>
/// The tshark ground truth of shared/captures/MANIFEST.md, read from its markdown tables by
/// column heading so the tests follow the manifest rather than copies of its numbers.
/// </summary>
public sealed partial class Manifest
{
    private readonly Dictionary<string, Dictionary<string, string>> _rows = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Files => _rows.Keys;

    public static Manifest Load(string path)
    {
        var manifest = new Manifest();
        string[]? header = null;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (!line.StartsWith('|'))
            {
                header = null;
                continue;
            }

            string[] cells = SplitRow(line);
            if (header is null)
            {
                header = cells;
                continue;
            }

            if (cells.All(c => c.Trim('-', ':').Length == 0))
            {
                continue; // the |---| separator
            }

            int fileColumn = Array.FindIndex(header, h => h == "file");
            if (fileColumn < 0 || fileColumn >= cells.Length)
            {
                continue;
            }

            string file = cells[fileColumn].Trim('`');
            if (!manifest._rows.TryGetValue(file, out Dictionary<string, string>? row))
            {
                manifest._rows[file] = row = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            for (int i = 0; i < header.Length && i < cells.Length; i++)
            {
                row.TryAdd(header[i], cells[i]);
            }
        }

        return manifest;
    }

    public bool Has(string file) => _rows.ContainsKey(file);

    /// <summary>The leading integer of a cell, e.g. "2 (2 + 0)" → 2 and "0 (tshark exit 2: ...)" → 0.</summary>
    public long Count(string file, string column)
    {
        string cell = Cell(file, column);
        Match match = LeadingInteger().Match(cell);
        if (!match.Success)
        {
            throw new FormatException($"MANIFEST.md: {file} / {column} = '{cell}' has no count");
        }

        return long.Parse(match.Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Cell(string file, string column)
    {
        if (!_rows.TryGetValue(file, out Dictionary<string, string>? row))
        {
            throw new KeyNotFoundException($"MANIFEST.md has no row for {file}");
        }

        return row.TryGetValue(column, out string? value)
            ? value
            : throw new KeyNotFoundException($"MANIFEST.md has no column '{column}' (columns: {string.Join(", ", row.Keys)})");
    }

    /// <summary>True when tshark could not read the file to its end ("tshark exit 2").</summary>
    public bool TsharkFailed(string file) => Cell(file, "packets").Contains("tshark exit", StringComparison.Ordinal);

    private static string[] SplitRow(string line)
    {
        // Cells are separated by '|' not preceded by a backslash (the manifest escapes '\|').
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 1; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '|' && line[i - 1] != '\\')
            {
                cells.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        return [.. cells];
    }

    [GeneratedRegex(@"^\d+")]
    private static partial Regex LeadingInteger();
}
