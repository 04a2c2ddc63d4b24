using System.Diagnostics;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.ResourceManager;

/// <summary>
/// How the ARM pipeline behaves when Azure misbehaves: every case ends in success or in a typed
/// error that says what happened, and nothing waits forever.
/// </summary>
public sealed class ArmPipelineFaultTests : IAsyncLifetime
{
    private const string Path = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/networkWatchers/nw1/packetCaptures/pc1";
    private LoopbackHttpsServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackHttpsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ArmPipeline Pipeline(Action<ArmClientOptions>? configure = null)
    {
        ArmClientOptions options = ArmTestOptions.For(_server);
        configure?.Invoke(options);
        return new ArmPipeline(ArmTestOptions.Credential, options);
    }

    [Fact]
    public async Task Sends_the_bearer_token_api_version_and_json_accept_header()
    {
        _server.Enqueue(new Reply(200, "{}"));

        await Pipeline().SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None);

        RecordedRequest request = Assert.Single(_server.Requests);
        Assert.Equal("Bearer " + ArmTestOptions.Token, request.Headers["Authorization"]);
        Assert.Equal("2026-01-01", request.Query["api-version"]);
        Assert.Equal(Path, request.Path);
        Assert.Contains("application/json", request.Headers["Accept"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_429_is_retried_after_the_delay_the_service_asked_for()
    {
        _server.Enqueue(new Reply(429, """{"error":{"code":"TooManyRequests","message":"slow down"}}""", ("Retry-After", "1")));
        _server.Enqueue(new Reply(200, """{"name":"pc1"}"""));
        var clock = Stopwatch.StartNew();

        Response response = await Pipeline().SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None);

        Assert.Equal(200, response.Status);
        Assert.Equal(2, _server.Requests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"the retry came after {clock.Elapsed}, before the 1 s Retry-After");
    }

    [Fact]
    public async Task A_500_then_success_returns_the_success()
    {
        _server.Enqueue(new Reply(500, """{"error":{"code":"InternalServerError","message":"boom"}}"""));
        _server.Enqueue(new Reply(200, """{"name":"pc1"}"""));

        Response response = await Pipeline().SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None);

        Assert.Equal(200, response.Status);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task An_arm_error_body_becomes_a_RequestFailedException_with_the_arm_code()
    {
        _server.Enqueue(new Reply(404, """{"error":{"code":"ResourceNotFound","message":"The Resource 'pc1' was not found."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => Pipeline().SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None));

        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);
        Assert.Contains("was not found", error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests); // a 404 is not retried
    }

    [Fact]
    public async Task A_rejected_expired_token_is_a_typed_401_not_a_retry_loop()
    {
        _server.Enqueue(new Reply(401, """{"error":{"code":"ExpiredAuthenticationToken","message":"The access token expiry UTC time is earlier than current UTC time."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => Pipeline().SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None));

        Assert.Equal(401, error.Status);
        Assert.Equal("ExpiredAuthenticationToken", error.ErrorCode);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_credential_that_cannot_produce_a_token_fails_before_anything_is_sent()
    {
        TokenCredential broken = DelegatedTokenCredential.Create((_, _) => throw new global::Azure.Identity.CredentialUnavailableException("no managed identity on this machine"));
        var pipeline = new ArmPipeline(broken, ArmTestOptions.For(_server));

        var error = await Assert.ThrowsAsync<global::Azure.Identity.CredentialUnavailableException>(
            () => pipeline.SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None));

        Assert.Contains("no managed identity", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Malformed_json_in_a_success_response_is_an_explained_error()
    {
        _server.Enqueue(new Reply(200, """{"name": "pc1", "properties": {"""));
        Response response = await Pipeline().SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None);

        var error = Assert.Throws<RequestFailedException>(() => ArmPipeline.Read<Dictionary<string, object>>(response, "Get packet capture pc1"));

        Assert.Equal("InvalidResponseBody", error.ErrorCode);
        Assert.Contains("Get packet capture pc1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_ends_in_a_timeout_error_after_the_retries()
    {
        for (int i = 0; i < 3; i++)
        {
            _server.Enqueue(new Reply(200, "{}") { Delay = TimeSpan.FromSeconds(30) });
        }

        ArmPipeline pipeline = Pipeline(o =>
        {
            o.Retry.NetworkTimeout = TimeSpan.FromMilliseconds(300);
            o.Retry.MaxRetries = 2;
        });
        var clock = Stopwatch.StartNew();

        // Azure.Core's own shape for this: one AggregateException holding each try's timeout.
        var error = await Assert.ThrowsAsync<AggregateException>(
            () => pipeline.SendAsync(RequestMethod.Get, Path, "2026-01-01", null, CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"gave up only after {clock.Elapsed}");
        // Three tries, counted on the client: on a loaded machine a try can time out in the TLS
        // handshake before the server has seen the request, so the server's count is not the measure.
        Assert.Equal(3, error.InnerExceptions.Count);
        Assert.All(error.InnerExceptions, e => Assert.Contains("exceeded the configured timeout", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_running_operation_is_polled_until_it_succeeds_then_the_resource_is_read()
    {
        _server.Enqueue(new Reply(201, """{"name":"pc1","properties":{"provisioningState":"Updating"}}""", ("Azure-AsyncOperation", "{base}/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operations/op1?api-version=2026-01-01")));
        _server.Enqueue(new Reply(200, """{"status":"InProgress"}"""));
        _server.Enqueue(new Reply(200, """{"status":"InProgress"}""", ("Retry-After", "0")));
        _server.Enqueue(new Reply(200, """{"status":"Succeeded"}"""));
        _server.Enqueue(new Reply(200, """{"name":"pc1","properties":{"provisioningState":"Succeeded"}}"""));

        Response final = await new ArmOperationPoller(Pipeline()).SendAsync(
            RequestMethod.Put, Path, "2026-01-01", new { properties = new { } }, FinalStateVia.OriginalUri, "Create packet capture pc1", CancellationToken.None);

        Assert.Contains("\"Succeeded\"", final.Content.ToString(), StringComparison.Ordinal);
        string[] calls = _server.Requests.Select(r => r.Method + " " + r.Path).ToArray();
        Assert.Equal(
            ["PUT " + Path,
             "GET /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operations/op1",
             "GET /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operations/op1",
             "GET /subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operations/op1",
             "GET " + Path],
            calls);
        Assert.All(_server.Requests, r => Assert.Equal("Bearer " + ArmTestOptions.Token, r.Headers["Authorization"]));
    }

    [Fact]
    public async Task A_location_polled_operation_returns_the_body_of_the_final_location_response()
    {
        _server.Enqueue(new Reply(202, null, ("Location", "{base}/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operationResults/r1?api-version=2026-01-01"), ("Retry-After", "0")));
        _server.Enqueue(new Reply(202, null, ("Retry-After", "0")));
        _server.Enqueue(new Reply(200, """{"access":"Deny","ruleName":"DenyAll"}"""));

        Response final = await new ArmOperationPoller(Pipeline()).SendAsync(
            RequestMethod.Post, Path + "/ipFlowVerify", "2026-01-01", new { direction = "Inbound" }, FinalStateVia.Location, "IP flow verify", CancellationToken.None);

        Assert.Equal("""{"access":"Deny","ruleName":"DenyAll"}""", final.Content.ToString());
        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal("2026-01-01", _server.Requests[1].Query["api-version"]); // the URL is followed as given
    }

    [Fact]
    public async Task A_failed_long_running_operation_throws_with_the_code_and_message_from_the_status_body()
    {
        _server.Enqueue(new Reply(202, null, ("Azure-AsyncOperation", "{base}/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/westus/operations/op2")));
        _server.Enqueue(new Reply(200, """{"status":"InProgress"}"""));
        _server.Enqueue(new Reply(200, """{"status":"Failed","error":{"code":"PacketCaptureAgentNotInstalled","message":"The Network Watcher agent is not installed on vm1."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => new ArmOperationPoller(Pipeline()).SendAsync(
            RequestMethod.Post, Path + "/stop", "2026-01-01", null, FinalStateVia.Location, "Stop packet capture pc1", CancellationToken.None));

        Assert.Equal("PacketCaptureAgentNotInstalled", error.ErrorCode);
        Assert.Contains("Stop packet capture pc1", error.Message, StringComparison.Ordinal);
        Assert.Contains("agent is not installed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operation_that_never_finishes_ends_in_a_timeout_that_names_it()
    {
        _server.Enqueue(new Reply(202, null, ("Location", "{base}/operationResults/slow")));
        for (int i = 0; i < 200; i++)
        {
            _server.Enqueue(new Reply(202, null));
        }

        ArmPipeline pipeline = Pipeline(o => o.OperationTimeout = TimeSpan.FromMilliseconds(300));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => new ArmOperationPoller(pipeline).SendAsync(
            RequestMethod.Post, Path + "/stop", "2026-01-01", null, FinalStateVia.Location, "Stop packet capture pc1", CancellationToken.None));

        Assert.Contains("Stop packet capture pc1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_stops_polling_at_once()
    {
        _server.Enqueue(new Reply(202, null, ("Location", "{base}/operationResults/slow"), ("Retry-After", "60")));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ArmOperationPoller(Pipeline()).SendAsync(
            RequestMethod.Post, Path + "/stop", "2026-01-01", null, FinalStateVia.Location, "Stop packet capture pc1", cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_polling_url_on_another_host_is_refused_so_the_token_never_leaves_the_arm_endpoint()
    {
        _server.Enqueue(new Reply(202, null, ("Location", "https://attacker.example/operationResults/r1")));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => new ArmOperationPoller(Pipeline()).SendAsync(
            RequestMethod.Post, Path + "/stop", "2026-01-01", null, FinalStateVia.Location, "Stop packet capture pc1", CancellationToken.None));

        Assert.Equal("UntrustedPollingUrl", error.ErrorCode);
        Assert.Single(_server.Requests);
    }
}
