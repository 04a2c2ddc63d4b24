using System.Globalization;
using System.Text.Json;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>The tables a query returned, and the partial error if the service reported one.</summary>
public sealed record LogsQueryResult(IReadOnlyList<LogsTable> AllTables, LogsQueryError? Error)
{
    /// <summary>The first table (the query's result; further tables hold statistics or visualisation).</summary>
    public LogsTable Table => AllTables.Count > 0 ? AllTables[0] : throw new InvalidOperationException("The query returned no table.");

    public bool IsPartial => Error is not null;
}

public sealed record LogsQueryError(string Code, string Message, string? Details);

public sealed record LogsTableColumn(string Name, string Type);

/// <summary>One result table: typed columns and rows.</summary>
public sealed class LogsTable
{
    private readonly Dictionary<string, int> _index;

    internal LogsTable(string name, IReadOnlyList<LogsTableColumn> columns, IReadOnlyList<JsonElement[]> rows)
    {
        Name = name;
        Columns = columns;
        _index = columns.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.OrdinalIgnoreCase);
        Rows = rows.Select(cells => new LogsTableRow(this, cells)).ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<LogsTableColumn> Columns { get; }

    public IReadOnlyList<LogsTableRow> Rows { get; }

    internal int IndexOf(string column) =>
        _index.TryGetValue(column, out int i) ? i : throw new KeyNotFoundException($"The result has no column '{column}' (columns: {string.Join(", ", Columns.Select(c => c.Name))}).");
}

/// <summary>
/// One row. Cells are read by column name and converted by the column's type; numbers and booleans
/// are accepted both as JSON values and as strings (the spec example sends strings, the service
/// sends numbers).
/// </summary>
public sealed class LogsTableRow
{
    private readonly LogsTable _table;
    private readonly JsonElement[] _cells;

    internal LogsTableRow(LogsTable table, JsonElement[] cells)
    {
        _table = table;
        _cells = cells;
    }

    public bool IsNull(string column) => Cell(column).ValueKind == JsonValueKind.Null;

    public string? GetString(string column) => Cell(column) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } cell => cell.GetString(),
        var cell => cell.GetRawText(),
    };

    public long? GetInt64(string column) => Number(column, static text => long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture), static e => e.GetInt64());

    public int? GetInt32(string column) => Number(column, static text => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture), static e => e.GetInt32());

    public double? GetDouble(string column) => Number(column, static text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), static e => e.GetDouble());

    public bool? GetBoolean(string column) => Cell(column) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.String } cell => bool.Parse(cell.GetString()!),
        { ValueKind: JsonValueKind.Number } cell => cell.GetInt32() != 0,
        _ => throw Mismatch(column, "bool"),
    };

    public DateTimeOffset? GetDateTimeOffset(string column) => Cell(column) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } cell when cell.GetString() is { Length: > 0 } text =>
            DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        { ValueKind: JsonValueKind.String } => null,
        _ => throw Mismatch(column, "datetime"),
    };

    /// <summary>A dynamic cell: an object or array, or a string holding one.</summary>
    public JsonElement? GetDynamic(string column) => Cell(column) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } cell => JsonDocument.Parse(cell.GetString()!).RootElement.Clone(),
        var cell => cell,
    };

    private JsonElement Cell(string column)
    {
        int index = _table.IndexOf(column);
        return index < _cells.Length ? _cells[index] : default;
    }

    private T? Number<T>(string column, Func<string, T> parse, Func<JsonElement, T> read)
        where T : struct
    {
        JsonElement cell = Cell(column);
        try
        {
            return cell.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.Number => read(cell),
                JsonValueKind.String when cell.GetString() is { Length: > 0 } text => parse(text),
                JsonValueKind.String => null,
                _ => throw Mismatch(column, typeof(T).Name),
            };
        }
        catch (FormatException ex)
        {
            throw new FormatException($"Column '{column}' holds '{cell}', not a {typeof(T).Name}.", ex);
        }
    }

    private FormatException Mismatch(string column, string wanted) => new($"Column '{column}' holds a JSON {Cell(column).ValueKind}, not a {wanted}.");
}
