using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;
using CaptureOrchestrator.Functions.Triggers;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace CaptureOrchestrator.Functions.Tests.Engines;

/// <summary>
/// Microsoft.DurableTask's own worker and client over its in-process backend (InProcessTestHost,
/// gRPC on a loopback port), running the workflows through the Functions host's adapter: each
/// orchestration is <see cref="WorkflowTriggers.RunAsync"/> over the real TaskOrchestrationContext,
/// each activity goes through <see cref="ActivityHost"/>, the client is <see cref="DurableWorkflowClient"/>.
/// What it does not have is the Functions runtime itself (triggers bound by the host process).
/// </summary>
public sealed class DurableTaskEngine : IWorkflowEngine
{
    private readonly DurableTaskTestHost _host;

    // The test host builds its gRPC sidecar with Host.CreateDefaultBuilder, which logs every request
    // to the console at Information; its configuration reads this variable (warnings still show).
    static DurableTaskEngine() => Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");

    private DurableTaskEngine(DurableTaskTestHost host)
    {
        _host = host;
        Client = new DurableWorkflowClient(host.Client);
    }

    public string Name => "Durable Task worker";

    public IWorkflowClient Client { get; }

    /// <summary>Durable Task's own client, as [DurableClient] binds it into a function.</summary>
    public DurableTaskClient DurableClient => _host.Client;

    public static async Task<IWorkflowEngine> StartAsync(EngineSetup setup)
    {
        DurableTaskEngine? engine = null;
        var activities = new ActivityHost(setup.ActivityRegistry);

        // The Functions host serializes through WorkerOptions.Serializer = JsonObjectSerializer over
        // the port's options (Program.cs), which the durable extension hands to the worker as its
        // data converter; here the worker gets the same options directly.
        var converter = new JsonDataConverter(WorkflowSerializer.Options);
        DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(
            tasks =>
            {
                foreach ((string name, Func<IWorkflow> create) in setup.Workflows)
                {
                    tasks.AddOrchestratorFunc<JsonElement, object?>(name, (context, _) => WorkflowTriggers.RunAsync(context, create()));
                }

                foreach (string name in setup.Activities.Keys)
                {
                    tasks.AddActivityFunc<JsonElement, object?>(name, (context, invocation) =>
                        activities.RunAsync(name, invocation, engine!.Client, context.InstanceId, CancellationToken.None));
                }
            },
            new DurableTaskTestHostOptions
            {
                Port = FreeLoopbackPort(),
                ConfigureServices = services =>
                {
                    services.Configure<DurableTaskWorkerOptions>(options => options.DataConverter = converter);
                    services.Configure<DurableTaskClientOptions>(options => options.DataConverter = converter);
                },
            }).ConfigureAwait(false);
        engine = new DurableTaskEngine(host);
        return engine;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    // The test host would pick a random port in 30000-40000 and fail on a collision.
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
