using CaptureOrchestrator.Engine;
using Microsoft.Extensions.Hosting;

namespace CaptureOrchestrator.Server;

/// <summary>
/// Runs the embedded engine's dispatch loop for as long as the server runs, from the moment the
/// server listens on every address: work resumed after a restart may hand out the server's own
/// address (the local blob store's links and upload SAS), and before then the address is partial.
/// </summary>
internal sealed class EngineHostedService(EmbeddedWorkflowEngine engine, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await engine.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}
