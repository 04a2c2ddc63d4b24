using System.Collections;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Activities.Telemetry;

/// <summary>
/// The log scope of an activity run: structured fields for log stores (OpenTelemetry, JSON console)
/// and one readable line for the plain console.
/// </summary>
internal sealed class OperationLogScope(string operationId, TicketKey? ticket, string activity, string instanceId, int attempt) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _fields =
    [
        new("OperationId", operationId),
        new("TicketId", ticket?.ToString()),
        new("Activity", activity),
        new("WorkflowInstanceId", instanceId),
        new("Attempt", attempt),
    ];

    public int Count => _fields.Length;

    public KeyValuePair<string, object?> this[int index] => _fields[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        $"operation {operationId}{(ticket is null ? string.Empty : " ticket " + ticket)} activity {activity}{(attempt > 1 ? " attempt " + attempt : string.Empty)}";
}
