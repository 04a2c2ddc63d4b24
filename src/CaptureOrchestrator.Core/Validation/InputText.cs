using System.Globalization;

namespace CaptureOrchestrator.Core.Validation;

/// <summary>Quoting caller input inside error messages.</summary>
public static class InputText
{
    /// <summary>
    /// The text with control characters shown as '?' and cut at <paramref name="maxLength"/>, so an
    /// error message stays readable (and one line) however large or hostile the input was.
    /// </summary>
    public static string Quote(string text, int maxLength)
    {
        string clean = new(text.Select(c => IsInvisible(c) ? '?' : c).ToArray());
        return clean.Length <= maxLength ? clean : clean[..maxLength] + "…";
    }

    /// <summary>
    /// Control (Cc) and format (Cf) characters: line breaks and escapes, and the invisible ones
    /// that change how text reads without showing (U+202E right-to-left override, zero-width
    /// joiners, the BOM). Never part of an identifier.
    /// </summary>
    public static bool IsInvisible(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format;
}
