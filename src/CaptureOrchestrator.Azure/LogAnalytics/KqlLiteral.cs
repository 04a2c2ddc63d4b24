using System.Globalization;
using System.Net;
using System.Text;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>
/// Renders typed values as KQL literals. Queries are built from these and from constant text
/// only; a value never reaches a query as raw text.
/// </summary>
public static class KqlLiteral
{
    /// <summary>A double-quoted string literal; quotes and backslashes are escaped.</summary>
    /// <exception cref="ArgumentException">The value holds a control character other than tab, CR or LF.</exception>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var literal = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': literal.Append("\\\""); break;
                case '\\': literal.Append("\\\\"); break;
                case '\n': literal.Append("\\n"); break;
                case '\r': literal.Append("\\r"); break;
                case '\t': literal.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        throw new ArgumentException($"a KQL string may not contain the control character U+{(int)c:X4}", nameof(value));
                    }

                    literal.Append(c);
                    break;
            }
        }

        return literal.Append('"').ToString();
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Firewall and flow-log tables store addresses as strings: the canonical text form, quoted.</summary>
    public static string IpAddress(IPAddress address) => String(address.ToString());

    /// <summary><c>datetime(…)</c> in UTC, to the tick.</summary>
    public static string DateTime(DateTimeOffset value) =>
        "datetime(" + value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + ")";
}
