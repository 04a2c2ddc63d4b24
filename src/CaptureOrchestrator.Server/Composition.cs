using CaptureOrchestrator.Activities;
using CaptureOrchestrator.Activities.Capture;
using Azure.Core.Pipeline;
using CaptureOrchestrator.Activities.Storage;
using CaptureOrchestrator.Api;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Engine;
using CaptureOrchestrator.Server.LocalStorage;
using CaptureOrchestrator.Server.Sandbox;
using CaptureOrchestrator.Server.Telemetry;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Server;

/// <summary>Builds the engine, the Azure clients and the activities from the settings, once.</summary>
public sealed class Composition : IDisposable
{
    /// <param name="settings">The configuration.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="addresses">Where the server listens, asked once it does (the local blob store's address); null without a listener.</param>
    /// <param name="sandbox">Run against the simulated Azure (<c>serve --sandbox</c>; the settings must have gone through <see cref="SandboxMode.Apply"/>).</param>
    public Composition(ServerSettings settings, ILoggerFactory loggerFactory, TimeProvider time, ServerAddresses? addresses = null, bool sandbox = false)
    {
        Settings = settings;
        Directory.CreateDirectory(settings.DataFolder);
        BlobStore? localStore = null;
        if (settings.Storage.BlobEndpoint is null)
        {
            (LocalBlobs, localStore) = LocalBlobHosting.Create(settings, addresses ?? throw new InvalidOperationException("The local blob store needs the server's address: set CaptureOrchestrator:Storage:BlobEndpoint, or host the composition in the server."), loggerFactory, time, simulated: sandbox);
        }

        var registry = new WorkflowRegistry();
        Engine = new EmbeddedWorkflowEngine(Path.Combine(settings.DataFolder, "workflows.db"), registry, loggerFactory);
        Client = new EmbeddedWorkflowClient(Engine, time);

        SimulatedCloud? simulated = null;
        if (sandbox)
        {
            BlobStore store = localStore ?? throw new InvalidOperationException("the sandbox writes its sample captures to the local blob store, and a storage account is configured");
            Sandbox = new SimulatedAzure(() => store, new HttpClient { Timeout = TimeSpan.FromSeconds(30) });
            simulated = new SimulatedCloud(new HttpClientTransport(new HttpClient(Sandbox)), SandboxMode.Notice);
        }

        CaptureServices services = SharedComposition.CreateServices(settings, loggerFactory, time, Client, localStore, simulated);
        registry.AddCaptureOrchestrator(services);
        if (LocalBlobs is not null)
        {
            LocalBlobs.BlobCreated = (container, name, length, cancellationToken) =>
                BlobCreatedRouter.RouteAsync(Client, services.Blobs.Container(container).BlobUri(name), length, cancellationToken);
        }

        BlobStore? uploads = localStore;
        Api = SharedComposition.ApiFor(settings, Client, uploads is null ? null : () => uploads.LinkEndpoint, simulated);
        _phases = new OperationPhases(Engine);
    }

    private readonly OperationPhases _phases;

    public ServerSettings Settings { get; }

    public EmbeddedWorkflowEngine Engine { get; }

    /// <summary>The blob endpoint this server serves itself when no storage account is configured; else null.</summary>
    internal LocalBlobService? LocalBlobs { get; }

    public IWorkflowClient Client { get; }

    /// <summary>The simulated Azure of a sandbox run; null otherwise.</summary>
    internal SimulatedAzure? Sandbox { get; }

    /// <summary>What the HTTP endpoints use.</summary>
    public ApiServices Api { get; }

    public void Dispose()
    {
        Sandbox?.Dispose();
        _phases.Dispose();
        Engine.Dispose();
    }
}
