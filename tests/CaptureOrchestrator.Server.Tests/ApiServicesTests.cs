using CaptureOrchestrator.Api;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Workflows;

namespace CaptureOrchestrator.Server.Tests;

public sealed class ApiServicesTests
{
    [Fact]
    public void Services_over_another_client_share_the_start_gate_so_the_per_target_limit_holds_across_requests()
    {
        // The Functions host binds a workflow client per invocation; the per-target limit is only
        // checked-then-started under one lock if every request's services share the gate.
        string folder = Path.Combine(Path.GetTempPath(), "co-api-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var composition = new Composition(new ServerSettings { DataFolder = folder, Storage = new StorageSettings { BlobEndpoint = new Uri("http://127.0.0.1:1/devstoreaccount1") } },
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System);
            IWorkflowClient other = new CaptureOrchestrator.Engine.EmbeddedWorkflowClient(composition.Engine, TimeProvider.System);

            ApiServices perRequest = composition.Api.WithClient(other);

            Assert.Same(composition.Api.StartGate, perRequest.StartGate);
            Assert.Same(composition.Api.Limits, perRequest.Limits);
            Assert.Same(other, perRequest.Client);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
