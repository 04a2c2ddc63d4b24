using System.Text;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.LogAnalytics;

/// <summary>Where a table keeps the parts of a 5-tuple; null where it has no such column.</summary>
internal sealed record FlowColumns(string? SourceIp, string? SourcePort, string? DestinationIp, string? DestinationPort)
{
    public static FlowColumns Standard { get; } = new("SourceIp", "SourcePort", "DestinationIp", "DestinationPort");

    public FlowColumns Reversed => new(DestinationIp, DestinationPort, SourceIp, SourcePort);
}

/// <summary>
/// Assembles a KQL query line by line. Column names are ours (constants); every value comes from
/// a validated <see cref="FlowSelector"/> or resource id and is rendered by <see cref="KqlLiteral"/>.
/// </summary>
internal sealed class KqlQueryBuilder
{
    /// <summary>Rows a query returns at most; a ticket needs the pattern, not every row.</summary>
    public const int MaxRows = 10_000;

    private readonly StringBuilder _query;

    public KqlQueryBuilder(string table, FlowSelector flow, string timeColumn = "TimeGenerated")
    {
        _query = new StringBuilder(table).Append('\n')
            .Append("| where ").Append(timeColumn).Append(" between (").Append(KqlLiteral.DateTime(flow.From)).Append(" .. ").Append(KqlLiteral.DateTime(flow.To)).Append(")\n");
    }

    public KqlQueryBuilder Where(string condition)
    {
        _query.Append("| where ").Append(condition).Append('\n');
        return this;
    }

    /// <summary>Appends a KQL operator line as given (a parse or extend with constant text).</summary>
    public KqlQueryBuilder Then(string line)
    {
        _query.Append("| ").Append(line).Append('\n');
        return this;
    }

    public KqlQueryBuilder WhereResource(string column, ArmResourceId? resource) =>
        resource is null ? this : Where($"{column} =~ {KqlLiteral.String(resource.ToString())}");

    /// <summary>Filters to the flow's endpoints; with <paramref name="bothDirections"/> replies (endpoints swapped) match too.</summary>
    public KqlQueryBuilder WhereFlow(FlowSelector flow, FlowColumns columns, bool bothDirections)
    {
        string forward = Endpoints(flow, columns);
        if (forward.Length == 0)
        {
            return this;
        }

        return Where(bothDirections ? $"({forward}) or ({Endpoints(flow, columns.Reversed)})" : forward);
    }

    public string Build(string columns, string timeColumn = "TimeGenerated") =>
        _query.Append("| project ").Append(columns).Append('\n')
            .Append("| order by ").Append(timeColumn).Append(" asc\n")
            .Append("| take ").Append(KqlLiteral.Int(MaxRows))
            .ToString();

    private static string Endpoints(FlowSelector flow, FlowColumns columns)
    {
        var conditions = new List<string>(4);
        if (flow.SourceIp is { } sourceIp && columns.SourceIp is { } sourceIpColumn)
        {
            conditions.Add($"{sourceIpColumn} == {KqlLiteral.IpAddress(sourceIp)}");
        }

        if (flow.SourcePort is { } sourcePort && columns.SourcePort is { } sourcePortColumn)
        {
            conditions.Add($"{sourcePortColumn} == {KqlLiteral.Int(sourcePort)}");
        }

        if (flow.DestinationIp is { } destinationIp && columns.DestinationIp is { } destinationIpColumn)
        {
            conditions.Add($"{destinationIpColumn} == {KqlLiteral.IpAddress(destinationIp)}");
        }

        if (flow.DestinationPort is { } destinationPort && columns.DestinationPort is { } destinationPortColumn)
        {
            conditions.Add($"{destinationPortColumn} == {KqlLiteral.Int(destinationPort)}");
        }

        return string.Join(" and ", conditions);
    }
}
