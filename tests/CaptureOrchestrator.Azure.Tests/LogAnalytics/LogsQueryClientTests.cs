using System.Net;
using System.Text.Json.Nodes;
using Azure;
using CaptureOrchestrator.Azure.LogAnalytics;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.LogAnalytics;

public sealed class LogsQueryClientTests : IAsyncLifetime
{
    private static readonly Guid Workspace = Guid.Parse("63613592-b6f7-4c3d-a390-22ba13102111");
    private LoopbackHttpsServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackHttpsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private LogsQueryClient Client()
    {
        var options = new LogsQueryClientOptions { Endpoint = _server.BaseUri, Transport = _server.CreateTransport() };
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        return new LogsQueryClient(ArmTestOptions.Credential, options);
    }

    [RestExamplesFact]
    public async Task The_official_example_request_is_sent_and_its_string_typed_cells_are_read_by_column_type()
    {
        var example = RestExample.Load("v1__oms-post-example.json");
        _server.Enqueue(example.Reply(200));

        LogsQueryResult result = (await Client().QueryWorkspaceAsync(Workspace, "Usage | take 10", TimeSpan.FromHours(12))).Value;

        RecordedRequest request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v1/workspaces/{Workspace}/query", request.Path);
        Assert.Equal("Bearer " + ArmTestOptions.Token, request.Headers["Authorization"]);
        RestExample.AssertSameJson(example.Parameters["body"], request.Body);
        LogsTableRow row = result.Table.Rows[0];
        Assert.Equal("PrimaryResult", result.Table.Name);
        Assert.Equal(2, result.Table.Rows.Count);
        Assert.Equal("ContosoSQLSrv1", row.GetString("Computer"));
        Assert.Equal(new DateTimeOffset(2017, 8, 24, 6, 59, 59, TimeSpan.Zero), row.GetDateTimeOffset("TimeGenerated"));
        Assert.Equal(1L, row.GetInt64("BatchesWithinSla"));
        Assert.Equal(1.286, row.GetDouble("AvgLatencyInSeconds"));
        Assert.True(row.GetBoolean("IsBillable"));
        Assert.True(row.IsNull("LinkedResourceUri"));
        Assert.False(result.IsPartial);
    }

    [Fact]
    public async Task Numbers_and_booleans_sent_as_json_values_read_the_same()
    {
        _server.Enqueue(new Reply(200, """{"tables":[{"name":"PrimaryResult","columns":[{"name":"n","type":"long"},{"name":"r","type":"real"},{"name":"b","type":"bool"},{"name":"d","type":"dynamic"}],"rows":[[42,0.5,false,{"k":"v"}]]}]}"""));

        LogsTableRow row = (await Client().QueryWorkspaceAsync(Workspace, "print 1")).Value.Table.Rows[0];

        Assert.Equal((42L, 0.5, false), (row.GetInt64("n"), row.GetDouble("r"), row.GetBoolean("b")));
        Assert.Equal("v", row.GetDynamic("d")!.Value.GetProperty("k").GetString());
        Assert.Throws<KeyNotFoundException>(() => row.GetString("missing"));
    }

    [Fact]
    public async Task The_server_timeout_goes_in_the_Prefer_header_and_out_of_range_values_are_refused()
    {
        _server.Enqueue(new Reply(200, """{"tables":[]}"""));

        await Client().QueryWorkspaceAsync(Workspace, "print 1", options: new LogsQueryOptions { ServerTimeout = TimeSpan.FromMinutes(5) });

        Assert.Equal("wait=300", _server.Requests[0].Headers["Prefer"]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Client().QueryWorkspaceAsync(Workspace, "print 1", options: new LogsQueryOptions { ServerTimeout = TimeSpan.FromMinutes(11) }));
    }

    [Fact]
    public async Task A_partial_error_throws_unless_partial_results_are_allowed()
    {
        const string partial = """{"tables":[{"name":"PrimaryResult","columns":[{"name":"x","type":"long"}],"rows":[["1"]]}],"error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"code":"EngineError","message":"Query exceeded the memory limit"}]}}""";
        _server.Enqueue(new Reply(200, partial));
        _server.Enqueue(new Reply(200, partial));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Client().QueryWorkspaceAsync(Workspace, "T"));
        LogsQueryResult allowed = (await Client().QueryWorkspaceAsync(Workspace, "T", options: new LogsQueryOptions { AllowPartialErrors = true })).Value;

        Assert.Equal("PartialError", error.ErrorCode);
        Assert.Contains("memory limit", error.Message, StringComparison.Ordinal);
        Assert.True(allowed.IsPartial);
        Assert.Equal(1L, allowed.Table.Rows[0].GetInt64("x"));
    }

    [Fact]
    public async Task A_query_that_times_out_on_the_server_is_not_run_again()
    {
        _server.Enqueue(new Reply(504, """{"error":{"code":"GatewayTimeout","message":"The query exceeded the allotted time."}}"""));
        _server.Enqueue(new Reply(200, """{"tables":[]}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Client().QueryWorkspaceAsync(Workspace, "T"));

        Assert.Equal((int)HttpStatusCode.GatewayTimeout, error.Status);
        Assert.Equal("GatewayTimeout", error.ErrorCode);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Throttling_is_retried_and_a_bad_query_is_a_typed_error()
    {
        _server.Enqueue(new Reply(429, """{"error":{"code":"TooManyRequests","message":"slow down"}}""", ("Retry-After", "0")));
        _server.Enqueue(new Reply(400, """{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","innererror":{"code":"SyntaxError","message":"Query could not be parsed at 'from'"}}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Client().QueryWorkspaceAsync(Workspace, "select * from T"));

        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal("BadArgumentError", error.ErrorCode);
    }

    [Fact]
    public async Task A_built_firewall_query_travels_as_one_json_string_unchanged()
    {
        var flow = new FlowSelector(DateTimeOffset.Parse("2026-11-20T10:00:00Z"), DateTimeOffset.Parse("2026-11-20T11:00:00Z"))
        {
            SourceIp = IPAddress.Parse("10.0.0.4"),
            DestinationPort = 1433,
        };
        string kql = FirewallLogQueries.NetworkRules(flow);
        _server.Enqueue(new Reply(200, """{"tables":[]}"""));

        await Client().QueryWorkspaceAsync(Workspace, kql);

        Assert.Equal(kql, JsonNode.Parse(_server.Requests[0].Body)!["query"]!.GetValue<string>());
    }
}
