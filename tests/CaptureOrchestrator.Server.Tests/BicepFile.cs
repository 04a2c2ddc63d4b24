using System.Text;
using System.Text.RegularExpressions;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// Just enough of a Bicep file to check how the files fit together (no Bicep compiler is reachable
/// offline): its declarations, the module calls with the parameter names they pass, the symbols its
/// code refers to, and its string literals. It reads the subset of Bicep infra-bicep is written in.
/// </summary>
internal sealed partial class BicepFile
{
    private BicepFile(string path, string text)
    {
        Path = path;
        (Code, Plain, Strings) = Split(text);
        Params = ParamDeclaration().Matches(Code).Select(m => new BicepParam(m.Groups["name"].Value, m.Groups["default"].Success, IsSecure(m.Index))).ToArray();
        Variables = Declared(VarDeclaration());
        Functions = Declared(FuncDeclaration());
        Outputs = OutputDeclaration().Matches(Code).Select(m => new BicepOutput(m.Groups["name"].Value, LineFrom(m.Index + m.Length))).ToArray();
        Modules = ModuleDeclaration().Matches(Plain).Select(ReadModule).ToArray();
        TargetScope = TargetScopeDeclaration().Match(Plain) is { Success: true } scope ? scope.Groups["scope"].Value : "resourceGroup";
    }

    public string Path { get; }

    /// <summary>The text without comments and with every string literal blanked out, except the code of its interpolations.</summary>
    public string Code { get; }

    /// <summary>The text without comments (same offsets as <see cref="Code"/>).</summary>
    public string Plain { get; }

    /// <summary>Every string literal's text (interpolations included as written).</summary>
    public IReadOnlyList<string> Strings { get; }

    public IReadOnlyList<BicepParam> Params { get; }

    public IReadOnlyList<string> Variables { get; }

    public IReadOnlyList<string> Functions { get; }

    public IReadOnlyList<BicepOutput> Outputs { get; }

    public IReadOnlyList<BicepModule> Modules { get; }

    public string TargetScope { get; }

    public static BicepFile Load(string path) => new(path, File.ReadAllText(path));

    public static BicepFile Parse(string text) => new("(inline)", text);

    /// <summary>How often <paramref name="symbol"/> is used as a value (its declaration and object keys of that name do not count).</summary>
    public int Uses(string symbol) =>
        Regex.Matches(Code, $@"(?<![\w.@]){Regex.Escape(symbol)}\b")
            .Count(m => !IsDeclaration(m.Index) && !IsObjectKey(m.Index, m.Length));

    /// <summary>"module.outputs.name" references: (module symbol, output name).</summary>
    public IEnumerable<(string Module, string Output)> OutputReferences() =>
        OutputReference().Matches(Code).Select(m => (m.Groups["module"].Value, m.Groups["output"].Value));

    private string[] Declared(Regex declaration) => declaration.Matches(Code).Select(m => m.Groups["name"].Value).ToArray();

    private string LineFrom(int index)
    {
        int end = Code.IndexOf('\n', index);
        return Code[index..(end < 0 ? Code.Length : end)];
    }

    private bool IsSecure(int paramIndex)
    {
        // The decorators are the lines right above the declaration that start with '@'.
        string[] above = Code[..paramIndex].TrimEnd().Split('\n');
        return above.Reverse().TakeWhile(line => line.TrimStart().StartsWith('@')).Any(line => line.Contains("@secure()", StringComparison.Ordinal));
    }

    private BicepModule ReadModule(Match declaration)
    {
        int bodyStart = Code.IndexOf('{', declaration.Index + declaration.Length);
        int bodyEnd = MatchingBrace(bodyStart);
        (string Key, int Position)[] body = Keys(bodyStart, bodyEnd).ToArray();
        string[] parameters = body.Where(k => k.Key == "params").Select(k => Code.IndexOf('{', k.Position)).Select(open => Keys(open, MatchingBrace(open)).Select(k => k.Key)).FirstOrDefault()?.ToArray() ?? [];
        return new BicepModule(declaration.Groups["name"].Value, declaration.Groups["path"].Value, parameters, body.Any(k => k.Key == "scope"));
    }

    /// <summary>The keys of the object literal between the braces at <paramref name="open"/> and <paramref name="close"/>, at its own depth.</summary>
    private IEnumerable<(string Key, int Position)> Keys(int open, int close)
    {
        int depth = 0;
        for (int i = open + 1; i < close; i++)
        {
            char c = Code[i];
            if (c is '{' or '[' or '(')
            {
                depth++;
            }
            else if (c is '}' or ']' or ')')
            {
                depth--;
            }
            else if (depth == 0 && ObjectKey().Match(Plain, i) is { Success: true } key && key.Index == i && IsObjectKey(i, key.Groups["name"].Length))
            {
                yield return (key.Groups["name"].Value, key.Index);
                i = key.Index + key.Length - 1;
            }
        }
    }

    private bool IsDeclaration(int index) =>
        Regex.IsMatch(Code[(Code.LastIndexOf('\n', Math.Max(index - 1, 0)) + 1)..index], @"^\s*(?:param|var|func|output|resource|module)\s+$");

    /// <summary>An object key: a name (or quoted name) that starts an entry and is followed by ':'.</summary>
    private bool IsObjectKey(int index, int length)
    {
        int after = index + length;
        while (after < Plain.Length && Plain[after] is ' ' or '\t' or '\'')
        {
            after++;
        }

        return after < Plain.Length && Plain[after] == ':' && StartsEntry(index);
    }

    private bool StartsEntry(int index)
    {
        int before = index - 1;
        while (before >= 0 && Code[before] is ' ' or '\t')
        {
            before--;
        }

        return before < 0 || Code[before] is '{' or ',' or '\n' or '\r';
    }

    private int MatchingBrace(int open)
    {
        int depth = 0;
        for (int i = open; i < Code.Length; i++)
        {
            depth += Code[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"{Path}: unbalanced '{{' at offset {open}");
    }

    /// <summary>
    /// Removes comments (from both texts) and blanks string literals in the code text (keeping their
    /// interpolations' code), keeping every offset; collects the literals. ''' strings have no interpolation.
    /// </summary>
    private static (string Code, string Plain, string[] Strings) Split(string text)
    {
        var scan = new Scan(text);
        scan.Code(untilCloseBrace: false);
        return (scan.CodeText.ToString(), scan.PlainText.ToString(), scan.Strings.ToArray());
    }

    private sealed class Scan(string text)
    {
        private int _i;

        public StringBuilder CodeText { get; } = new(text.Length);

        public StringBuilder PlainText { get; } = new(text.Length);

        public List<string> Strings { get; } = [];

        public void Code(bool untilCloseBrace)
        {
            int depth = 0;
            while (_i < text.Length)
            {
                char c = text[_i];
                if (text.AsSpan(_i).StartsWith("//"))
                {
                    int end = text.IndexOf('\n', _i);
                    Skip((end < 0 ? text.Length : end) - _i);
                }
                else if (text.AsSpan(_i).StartsWith("/*"))
                {
                    Skip(text.IndexOf("*/", _i + 2, StringComparison.Ordinal) + 2 - _i);
                }
                else if (text.AsSpan(_i).StartsWith("'''"))
                {
                    int end = text.IndexOf("'''", _i + 3, StringComparison.Ordinal) + 3;
                    Strings.Add(text[(_i + 3)..(end - 3)]);
                    Literal(end - _i);
                }
                else if (c == '\'')
                {
                    String();
                }
                else if (untilCloseBrace && c == '}' && depth == 0)
                {
                    return;
                }
                else
                {
                    depth += c switch { '{' => 1, '}' => -1, _ => 0 };
                    Keep(1);
                }
            }
        }

        private void String()
        {
            int start = _i;
            Literal(1);
            while (_i < text.Length && text[_i] != '\'')
            {
                if (text[_i] == '\\')
                {
                    Literal(2);
                }
                else if (text.AsSpan(_i).StartsWith("${"))
                {
                    Literal(2);
                    Code(untilCloseBrace: true);
                    Literal(1);
                }
                else
                {
                    Literal(1);
                }
            }

            Literal(1);
            Strings.Add(text[(start + 1)..(_i - 1)]);
        }

        // Code: kept in both texts.
        private void Keep(int count)
        {
            CodeText.Append(text, _i, count);
            PlainText.Append(text, _i, count);
            _i += count;
        }

        // String literal: kept in the plain text, blanked in the code text.
        private void Literal(int count)
        {
            count = Math.Min(count, text.Length - _i);
            CodeText.Append(Blank(text.Substring(_i, count)));
            PlainText.Append(text, _i, count);
            _i += count;
        }

        // Comment: blanked in both.
        private void Skip(int count)
        {
            string blank = Blank(text.Substring(_i, count));
            CodeText.Append(blank);
            PlainText.Append(blank);
            _i += count;
        }
    }

    private static string Blank(string text) => new([.. text.Select(ch => ch == '\n' ? '\n' : ' ')]);

    [GeneratedRegex(@"^\s*param\s+(?<name>\w+)\s+[^=\n]+(?<default>=)?", RegexOptions.Multiline)]
    private static partial Regex ParamDeclaration();

    [GeneratedRegex(@"^\s*var\s+(?<name>\w+)\s*=", RegexOptions.Multiline)]
    private static partial Regex VarDeclaration();

    [GeneratedRegex(@"^\s*func\s+(?<name>\w+)\s*\(", RegexOptions.Multiline)]
    private static partial Regex FuncDeclaration();

    [GeneratedRegex(@"^\s*output\s+(?<name>\w+)\s+\w+\s*=", RegexOptions.Multiline)]
    private static partial Regex OutputDeclaration();

    [GeneratedRegex(@"^\s*module\s+(?<name>\w+)\s+'(?<path>[^']+)'\s*=", RegexOptions.Multiline)]
    private static partial Regex ModuleDeclaration();

    [GeneratedRegex(@"^\s*targetScope\s*=\s*'(?<scope>\w+)'", RegexOptions.Multiline)]
    private static partial Regex TargetScopeDeclaration();

    [GeneratedRegex(@"\b(?<module>\w+)\.outputs\.(?<output>\w+)")]
    private static partial Regex OutputReference();

    // A quoted key is matched from its first letter: its quotes are blanks in Code, so it still starts an entry.
    [GeneratedRegex(@"(?<name>[A-Za-z_][\w-]*)'?\s*:(?!:)")]
    private static partial Regex ObjectKey();
}

internal sealed record BicepParam(string Name, bool HasDefault, bool IsSecure);

/// <param name="Value">The output's value expression as code (strings blanked).</param>
internal sealed record BicepOutput(string Name, string Value);

/// <param name="Parameters">The parameter names the call passes.</param>
internal sealed record BicepModule(string Name, string RelativePath, IReadOnlyList<string> Parameters, bool HasScope);
