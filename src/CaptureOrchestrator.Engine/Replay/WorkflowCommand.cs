namespace CaptureOrchestrator.Engine.Replay;

/// <summary>Something the workflow asked for that its history does not yet record: the engine carries it out.</summary>
public abstract record WorkflowCommand(int TaskId);

/// <param name="Attempt">1 for the first call, 2 for the first retry under the call's retry policy, ...</param>
public sealed record ScheduleActivity(int TaskId, string Name, string? Input, int Attempt = 1) : WorkflowCommand(TaskId);

public sealed record StartTimer(int TaskId, DateTime FireAt) : WorkflowCommand(TaskId);

public sealed record ScheduleSubWorkflow(int TaskId, string Name, string InstanceId, string? Input) : WorkflowCommand(TaskId);
