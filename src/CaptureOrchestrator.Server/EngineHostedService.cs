using CaptureOrchestrator.Engine;
using Microsoft.Extensions.Hosting;

namespace CaptureOrchestrator.Server;

/// <summary>Runs the embedded engine's dispatch loop for as long as the server runs.</summary>
internal sealed class EngineHostedService(EmbeddedWorkflowEngine engine) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => engine.RunAsync(stoppingToken);
}
