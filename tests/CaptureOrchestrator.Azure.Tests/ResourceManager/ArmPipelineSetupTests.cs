using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.ResourceManager;

public sealed class ArmPipelineSetupTests : IAsyncLifetime
{
    private LoopbackHttpsServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackHttpsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_attempt_is_logged_with_the_arm_request_ids_and_without_the_query_string()
    {
        var logs = new CapturingLoggerFactory();
        ArmClientOptions options = ArmTestOptions.For(_server);
        options.LoggerFactory = logs;
        _server.Enqueue(new Reply(503, "{}", ("x-ms-request-id", "req-1"), ("x-ms-correlation-request-id", "corr-1")));
        _server.Enqueue(new Reply(200, "{}", ("x-ms-request-id", "req-2"), ("x-ms-correlation-request-id", "corr-2")));

        await new ArmPipeline(ArmTestOptions.Credential, options).SendAsync(RequestMethod.Get, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/fw", "2026-01-01", null, CancellationToken.None);

        string[] lines = logs.Lines.ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("Warning: ARM GET /subscriptions/", lines[0], StringComparison.Ordinal);
        Assert.Contains("-> 503", lines[0], StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id req-1, x-ms-correlation-request-id corr-1", lines[0], StringComparison.Ordinal);
        Assert.Contains("x-ms-request-id req-2", lines[1], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.DoesNotContain("api-version", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_is_requested_for_the_configured_cloud_audience()
    {
        var scopes = new List<string>();
        TokenCredential recording = DelegatedTokenCredential.Create((context, _) =>
        {
            scopes.AddRange(context.Scopes);
            return new AccessToken("t", DateTimeOffset.UtcNow.AddHours(1));
        });
        ArmClientOptions options = ArmTestOptions.For(_server);
        options.Environment = new ArmEnvironment(_server.BaseUri, "https://management.chinacloudapi.cn");
        _server.Enqueue(new Reply(200, "{}"));

        await new ArmPipeline(recording, options).SendAsync(RequestMethod.Get, "/subscriptions", "2021-04-01", null, CancellationToken.None);

        Assert.Equal(["https://management.chinacloudapi.cn/.default"], scopes);
        Assert.Equal("https://management.usgovcloudapi.net/.default", ArmEnvironment.AzureGovernment.DefaultScope);
    }

    [Theory]
    [InlineData("http://management.azure.com")]
    [InlineData("https://management.azure.com/some/path")]
    public void An_arm_endpoint_that_is_not_plain_https_is_refused(string endpoint)
    {
        var error = Assert.Throws<ArgumentException>(() => new ArmEnvironment(new Uri(endpoint), "https://management.azure.com"));

        Assert.Contains("absolute https URL with no path", error.Message, StringComparison.Ordinal);
    }
}
