namespace CaptureOrchestrator.Core.Requests;

/// <summary>
/// An activity input that serves one operation of one ticket. Hosts put both ids on every log line
/// and trace of the activity, so an engineer can follow a ticket through the logs.
/// </summary>
public interface IOperationScoped
{
    string OperationId { get; }

    TicketKey Ticket { get; }
}
