namespace CaptureOrchestrator.Functions.Durable;

/// <summary>
/// What the host's activity functions receive: the workflow's input for the activity and which
/// attempt of the call's retry policy this is. Durable Task's own retry handler re-sends the same
/// input and tells the activity nothing, so the adapter runs the retry loop itself (as the embedded
/// engine does) and the attempt travels here; activities report it (delivery attempts, log scopes).
/// </summary>
/// <param name="Attempt">1 for the first call, 2 for the first retry, ...</param>
/// <param name="Input">The activity's input as the workflow passed it (a JSON element once received).</param>
internal sealed record ActivityInvocation(int Attempt, object? Input);
