namespace CaptureOrchestrator.Core.Requests;

/// <summary>One problem with a request, named by its JSON path (e.g. <c>targets[1].resourceId</c>).</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// The result of validating a request: the normalized value, or what is wrong (400) and what is
/// outside the caller's allowed scopes (403). Forbidden is reported only for otherwise valid input.
/// </summary>
public sealed record Validated<T>(T? Value, IReadOnlyList<FieldError> Errors, IReadOnlyList<FieldError> Forbidden)
    where T : class
{
    public bool IsValid => Value is not null;
}
