using System.Collections.Concurrent;
using System.Diagnostics;
using CaptureOrchestrator.Activities.Telemetry;
using CaptureOrchestrator.Core.Capture;
using CaptureOrchestrator.Core.Requests;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Activities.Tests;

/// <summary>Every activity's log lines and span carry its operation id and ticket.</summary>
public sealed class ObservedActivityTests : IDisposable
{
    private static readonly TicketKey Ticket = new("servicenow", "INC0040001", null);
    private static readonly CaptureTarget Target = new(0, ArmResourceId.Parse("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/vm1"), TargetKind.VirtualMachine, [], []);
    private readonly ScopeCapturingProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public ObservedActivityTests()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs));
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OrchestratorTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _loggerFactory.Dispose();
    }

    private static readonly Action<ILogger, Exception?> Answered = LoggerMessage.Define(LogLevel.Information, new EventId(1), "PUT packetCaptures answered 201");

    /// <summary>Logs through a logger of its own, as the Azure clients under an activity do.</summary>
    private sealed class LogsAndMaybeFails(ILoggerFactory loggers, bool fail) : Activity<PrepareTargetInput, string>
    {
        public override Task<string> RunAsync(WorkflowActivityContext context, PrepareTargetInput input, CancellationToken cancellationToken)
        {
            Answered(loggers.CreateLogger("CaptureOrchestrator.Azure.NetworkWatcherClient"), null);
            return fail ? throw new InvalidOperationException("the watcher said no") : Task.FromResult("prepared");
        }
    }

    private Task<object?> RunAsync(bool fail, string instanceId = "op-0123") =>
        new ObservedActivity(new LogsAndMaybeFails(_loggerFactory, fail), _loggerFactory.CreateLogger<ObservedActivity>())
            .RunAsync(new WorkflowActivityContext(CaptureActivities.PrepareTarget, instanceId, 2), new PrepareTargetInput("op-0123", Ticket, Target), CancellationToken.None);

    [Fact]
    public async Task Log_lines_written_under_an_activity_carry_its_operation_ticket_and_attempt()
    {
        Assert.Equal("prepared", await RunAsync(fail: false));

        Assert.Equal(["PrepareTarget started (attempt 2)", "PUT packetCaptures answered 201"], _logs.Lines.Select(l => l.Message));
        Assert.All(_logs.Lines, line => Assert.Equal("op-0123", line.Scope["OperationId"]));
        IReadOnlyDictionary<string, object?> scope = _logs.Lines.ToArray()[1].Scope;
        Assert.Equal("op-0123", scope["OperationId"]);
        Assert.Equal("servicenow:INC0040001", scope["TicketId"]);
        Assert.Equal(CaptureActivities.PrepareTarget, scope["Activity"]);
        Assert.Equal(2, scope["Attempt"]);
    }

    [Fact]
    public async Task The_span_joins_the_operations_trace_and_records_a_failure()
    {
        await RunAsync(fail: false);
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(fail: true));

        Activity[] spans = [.. _spans.Where(s => (string?)s.GetTagItem(OrchestratorTelemetry.OperationIdTag) == "op-0123")];
        Assert.Equal(2, spans.Length);
        Assert.All(spans, s => Assert.Equal(OrchestratorTelemetry.TraceOf("op-0123").TraceId, s.TraceId));
        Assert.All(spans, s => Assert.Equal("servicenow:INC0040001", s.GetTagItem(OrchestratorTelemetry.TicketTag)));
        Assert.Equal([ActivityStatusCode.Unset, ActivityStatusCode.Error], spans.Select(s => s.Status));
        Assert.Equal("the watcher said no", spans[1].StatusDescription);
        Assert.NotEqual(OrchestratorTelemetry.TraceOf("op-other").TraceId, spans[0].TraceId);
    }

    [Fact]
    public void Every_registered_activity_is_observed()
    {
        WorkflowRegistry registry = new WorkflowRegistry().AddCaptureOrchestrator(TestServices.Create(_loggerFactory));

        Assert.NotEmpty(registry.ActivityNames);
        Assert.All(registry.ActivityNames, name => Assert.IsType<ObservedActivity>(registry.TryCreateActivity(name, out IActivity activity) ? activity : null));
    }

    /// <summary>A logger provider that keeps each line with the fields of the scopes around it.</summary>
    private sealed class ScopeCapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Message, IReadOnlyDictionary<string, object?> Scope)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var fields = new Dictionary<string, object?>();
                owner._scopes.ForEachScope((scope, f) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach ((string key, object? value) in pairs)
                        {
                            f[key] = value;
                        }
                    }
                }, fields);
                owner.Lines.Enqueue((formatter(state, exception), fields));
            }
        }
    }
}
