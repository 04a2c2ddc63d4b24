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
        string clean = new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= maxLength ? clean : clean[..maxLength] + "…";
    }
}
