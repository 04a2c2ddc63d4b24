using System.Text.Json;

namespace CaptureOrchestrator.Core.Workflows;

/// <summary>A workflow: deterministic code against <see cref="IWorkflowContext"/>, registered by name.</summary>
public interface IWorkflow
{
    Type InputType { get; }

    Task<object?> RunAsync(IWorkflowContext context, object? input);
}

/// <summary>Typed base for workflows (mirrors TaskOrchestrator&lt;TInput, TOutput&gt;).</summary>
public abstract class Workflow<TInput, TOutput> : IWorkflow
{
    public Type InputType => typeof(TInput);

    public abstract Task<TOutput> RunAsync(IWorkflowContext context, TInput input);

    async Task<object?> IWorkflow.RunAsync(IWorkflowContext context, object? input) =>
        await RunAsync(context, (TInput)input!).ConfigureAwait(true);
}

/// <summary>What an activity knows about its invocation.</summary>
/// <param name="Name">Activity name.</param>
/// <param name="InstanceId">The workflow instance that called it.</param>
/// <param name="Attempt">1 for the first attempt, 2 for the first retry, ...</param>
public sealed record WorkflowActivityContext(string Name, string InstanceId, int Attempt);

/// <summary>An activity: where I/O happens. Runs at least once per call; its result is recorded once.</summary>
public interface IActivity
{
    Type InputType { get; }

    Task<object?> RunAsync(WorkflowActivityContext context, object? input, CancellationToken cancellationToken);
}

/// <summary>Typed base for activities (mirrors TaskActivity&lt;TInput, TOutput&gt;).</summary>
public abstract class Activity<TInput, TOutput> : IActivity
{
    public Type InputType => typeof(TInput);

    public abstract Task<TOutput> RunAsync(WorkflowActivityContext context, TInput input, CancellationToken cancellationToken);

    async Task<object?> IActivity.RunAsync(WorkflowActivityContext context, object? input, CancellationToken cancellationToken) =>
        await RunAsync(context, (TInput)input!, cancellationToken).ConfigureAwait(false);
}

/// <summary>
/// Names → factories for workflows and activities, shared by both hosts. Unknown names are an
/// error the host reports on the instance, never a crash.
/// </summary>
public sealed class WorkflowRegistry
{
    private readonly Dictionary<string, Func<IWorkflow>> _workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<IActivity>> _activities = new(StringComparer.Ordinal);

    public WorkflowRegistry AddWorkflow(string name, Func<IWorkflow> factory)
    {
        Add(_workflows, name, factory, "workflow");
        return this;
    }

    public WorkflowRegistry AddActivity(string name, Func<IActivity> factory)
    {
        Add(_activities, name, factory, "activity");
        return this;
    }

    public IReadOnlyCollection<string> WorkflowNames => _workflows.Keys;

    public IReadOnlyCollection<string> ActivityNames => _activities.Keys;

    public bool TryCreateWorkflow(string name, out IWorkflow workflow)
    {
        workflow = _workflows.TryGetValue(name, out Func<IWorkflow>? factory) ? factory() : null!;
        return workflow is not null;
    }

    public bool TryCreateActivity(string name, out IActivity activity)
    {
        activity = _activities.TryGetValue(name, out Func<IActivity>? factory) ? factory() : null!;
        return activity is not null;
    }

    private static void Add<T>(Dictionary<string, T> map, string name, T factory, string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!map.TryAdd(name, factory))
        {
            throw new ArgumentException($"a {kind} named '{name}' is already registered", nameof(name));
        }
    }
}

/// <summary>
/// One JSON convention for inputs, outputs, events and custom status on both hosts (Durable
/// Functions serializes with System.Text.Json too), so a history written by one is readable by the other.
/// </summary>
public static class WorkflowSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Options);

    /// <exception cref="WorkflowPayloadException">The text does not deserialize to <paramref name="type"/>.</exception>
    public static object? Deserialize(string? json, Type type, string what)
    {
        if (json is null)
        {
            return type.IsValueType ? Activator.CreateInstance(type) : null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, type, Options);
        }
        catch (JsonException e)
        {
            throw new WorkflowPayloadException($"{what} is not a valid {type.Name}: {e.Message}", e);
        }
    }
}

/// <summary>A stored input, output or event payload does not deserialize to the expected type.</summary>
public sealed class WorkflowPayloadException : Exception
{
    public WorkflowPayloadException()
    {
    }

    public WorkflowPayloadException(string message)
        : base(message)
    {
    }

    public WorkflowPayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
