using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Functions.Tests.Parity;

/// <summary>
/// Every product workflow, and what they rely on from an engine, run on the embedded engine and on
/// Durable Task's worker through the Functions adapter with the same scripted activities: each run
/// must pass the case's checks, and the two must agree (<see cref="EngineParity"/>). Three classes
/// so xunit runs them side by side (timers are real time).
/// </summary>
public sealed class CaptureParityTests
{
    public static TheoryData<string> Cases => new(CaptureCases.All().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Both_engines_run_the_capture_case_alike(string name) =>
        EngineParity.RunOnBothAsync(CaptureCases.All().Single(c => c.Name == name), ProductWorkflows.All);
}

public sealed class OtherWorkflowParityTests
{
    public static TheoryData<string> Cases => new(WorkflowCases.All().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Both_engines_run_the_case_alike(string name) =>
        EngineParity.RunOnBothAsync(WorkflowCases.All().Single(c => c.Name == name), ProductWorkflows.All);
}

public sealed class EngineSemanticsParityTests
{
    public static TheoryData<string> Cases => new(EngineCases.All().Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Both_engines_behave_alike(string name) =>
        EngineParity.RunOnBothAsync(EngineCases.All().Single(c => c.Name == name), EngineCases.Workflows);
}

/// <summary>The product's workflows exactly as both hosts register them.</summary>
internal static class ProductWorkflows
{
    public static IReadOnlyDictionary<string, Func<IWorkflow>> All { get; } = Load();

    private static Dictionary<string, Func<IWorkflow>> Load()
    {
        WorkflowRegistry registry = new WorkflowRegistry().AddCaptureOrchestrator(null!); // workflows only: no activity factory runs
        return registry.WorkflowNames.ToDictionary(name => name, name => (Func<IWorkflow>)(() =>
        {
            Assert.True(registry.TryCreateWorkflow(name, out IWorkflow workflow));
            return workflow;
        }));
    }
}
