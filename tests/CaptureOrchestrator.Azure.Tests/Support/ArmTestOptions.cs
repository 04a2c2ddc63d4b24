using Azure.Core;
using CaptureOrchestrator.Azure.Pipeline;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Support;

internal static class ArmTestOptions
{
    public const string Token = "test-token-0123456789";

    /// <summary>Options that point a client at the loopback server, with delays short enough for tests.</summary>
    public static ArmClientOptions For(LoopbackHttpsServer server)
    {
        var options = new ArmClientOptions
        {
            Environment = ArmEnvironment.ForEndpoint(server.BaseUri),
            Transport = server.CreateTransport(),
            PollingInterval = TimeSpan.FromMilliseconds(10),
            OperationTimeout = TimeSpan.FromSeconds(20),
        };
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(100);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    public static TokenCredential Credential { get; } = new StaticTokenCredential(Token);
}
