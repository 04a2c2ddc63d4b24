using System.Text.Json.Serialization;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Engine.Replay;

/// <summary>
/// One entry of an instance's append-only history. The workflow's state is whatever replaying
/// these events through its code produces; nothing else is stored. Stored as JSON with a
/// "type" discriminator (names are part of the stored format: never rename them).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(WorkflowStarted), "workflowStarted")]
[JsonDerivedType(typeof(EpisodeStarted), "episodeStarted")]
[JsonDerivedType(typeof(ActivityScheduled), "activityScheduled")]
[JsonDerivedType(typeof(ActivityCompleted), "activityCompleted")]
[JsonDerivedType(typeof(ActivityFailed), "activityFailed")]
[JsonDerivedType(typeof(TimerCreated), "timerCreated")]
[JsonDerivedType(typeof(TimerFired), "timerFired")]
[JsonDerivedType(typeof(EventRaised), "eventRaised")]
[JsonDerivedType(typeof(SubWorkflowScheduled), "subWorkflowScheduled")]
[JsonDerivedType(typeof(SubWorkflowCompleted), "subWorkflowCompleted")]
[JsonDerivedType(typeof(SubWorkflowFailed), "subWorkflowFailed")]
[JsonDerivedType(typeof(CustomStatusSet), "customStatusSet")]
public abstract record HistoryEvent(DateTime Timestamp);

/// <summary>The instance started (or restarted by continue-as-new) with this input.</summary>
public sealed record WorkflowStarted(DateTime Timestamp, string Name, string? Input) : HistoryEvent(Timestamp);

/// <summary>A new execution episode began: the workflow's clock reads this time from here on.</summary>
public sealed record EpisodeStarted(DateTime Timestamp) : HistoryEvent(Timestamp);

/// <summary>The workflow asked for activity <paramref name="Name"/> as task <paramref name="TaskId"/>, attempt <paramref name="Attempt"/> of its retry policy (histories written before attempts were recorded read as 1).</summary>
public sealed record ActivityScheduled(DateTime Timestamp, int TaskId, string Name, string? Input, int Attempt = 1) : HistoryEvent(Timestamp);

public sealed record ActivityCompleted(DateTime Timestamp, int TaskId, string? Result) : HistoryEvent(Timestamp);

public sealed record ActivityFailed(DateTime Timestamp, int TaskId, WorkflowFailureDetails Failure) : HistoryEvent(Timestamp);

public sealed record TimerCreated(DateTime Timestamp, int TaskId, DateTime FireAt) : HistoryEvent(Timestamp);

public sealed record TimerFired(DateTime Timestamp, int TaskId) : HistoryEvent(Timestamp);

/// <summary>A client raised an event (recorded when it reached the instance, waited for or not).</summary>
public sealed record EventRaised(DateTime Timestamp, string Name, string? Payload) : HistoryEvent(Timestamp);

public sealed record SubWorkflowScheduled(DateTime Timestamp, int TaskId, string Name, string InstanceId, string? Input) : HistoryEvent(Timestamp);

public sealed record SubWorkflowCompleted(DateTime Timestamp, int TaskId, string? Result) : HistoryEvent(Timestamp);

public sealed record SubWorkflowFailed(DateTime Timestamp, int TaskId, WorkflowFailureDetails Failure) : HistoryEvent(Timestamp);

public sealed record CustomStatusSet(DateTime Timestamp, string? Status) : HistoryEvent(Timestamp);
