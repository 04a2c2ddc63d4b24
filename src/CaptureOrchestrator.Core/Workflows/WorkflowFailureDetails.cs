namespace CaptureOrchestrator.Core.Workflows;

/// <summary>Why an activity, sub-workflow or workflow failed (mirrors Durable Task's TaskFailureDetails).</summary>
/// <param name="ErrorType">Full name of the exception type.</param>
/// <param name="ErrorMessage">Its message.</param>
/// <param name="StackTrace">Where it was thrown, when known.</param>
/// <param name="InnerFailure">The inner exception's details.</param>
public sealed record WorkflowFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace = null, WorkflowFailureDetails? InnerFailure = null)
{
    public static WorkflowFailureDetails FromException(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace,
            exception.InnerException is { } inner ? FromException(inner) : null);

    /// <summary>True when the failure was an exception of type <typeparamref name="T"/> (or derived).</summary>
    public bool IsCausedBy<T>()
        where T : Exception =>
        ResolveType(ErrorType) is { } type && typeof(T).IsAssignableFrom(type);

    // Failure details travel as text; find the type among the loaded assemblies (as Durable Task does).
    private static Type? ResolveType(string fullName) =>
        Type.GetType(fullName, throwOnError: false)
        ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(fullName, throwOnError: false)).FirstOrDefault(t => t is not null);
}

/// <summary>An activity or sub-workflow the workflow awaited failed (mirrors TaskFailedException).</summary>
public sealed class WorkflowTaskFailedException : Exception
{
    public WorkflowTaskFailedException(string taskName, WorkflowFailureDetails failure)
        : base($"'{taskName}' failed: {failure.ErrorType}: {failure.ErrorMessage}")
    {
        TaskName = taskName;
        FailureDetails = failure;
    }

    public WorkflowTaskFailedException()
        : this(string.Empty, new WorkflowFailureDetails(string.Empty, string.Empty))
    {
    }

    public WorkflowTaskFailedException(string message)
        : this(string.Empty, new WorkflowFailureDetails(typeof(Exception).FullName!, message))
    {
    }

    public WorkflowTaskFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        TaskName = string.Empty;
        FailureDetails = WorkflowFailureDetails.FromException(innerException);
    }

    public string TaskName { get; }

    public WorkflowFailureDetails FailureDetails { get; }
}
