using CaptureOrchestrator.Azure.Monitor;
using CaptureOrchestrator.Azure.Tests.Support;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Azure.Tests.Monitor;

public sealed class DiagnosticSettingsContractTests : IAsyncLifetime
{
    private static readonly ArmResourceId Resource = ArmResourceId.Parse("/subscriptions/1a66ce04-b633-4a0b-b2bc-a912ec8986a6/resourcegroups/viruela1/providers/microsoft.logic/workflows/viruela6");
    private LoopbackHttpsServer _server = null!;
    private DiagnosticSettingsClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackHttpsServer.StartAsync();
        _client = new DiagnosticSettingsClient(ArmTestOptions.Credential, ArmTestOptions.For(_server));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [RestExamplesTheory]
    [InlineData("2021-05-01-preview__createOrUpdateDiagnosticSetting.json")]
    [InlineData("2021-05-01-preview__createOrUpdateDiagnosticSettingCategory.json")]
    public async Task Put_sends_the_whole_setting_as_given_and_reads_the_answer(string file)
    {
        var example = RestExample.Load(file);
        _server.Enqueue(example.Reply(200));
        var setting = new DiagnosticSetting("mysetting", example.RequestBody!["properties"]!.AsObject());

        DiagnosticSetting saved = (await _client.CreateOrUpdateAsync(Resource, setting)).Value;

        RecordedRequest request = Assert.Single(_server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/subscriptions/1a66ce04-b633-4a0b-b2bc-a912ec8986a6/resourceGroups/viruela1/providers/microsoft.logic/workflows/viruela6/providers/Microsoft.Insights/diagnosticSettings/mysetting", request.Path);
        Assert.Equal("2021-05-01-preview", request.Query["api-version"]);
        RestExample.AssertSameJson(example.RequestBody, request.Body);
        Assert.Equal("mysetting", saved.Name);
        Assert.Equal("Dedicated", saved.LogAnalyticsDestinationType);
        Assert.Null(saved.WorkspaceId); // "" in the example means no workspace
    }

    [RestExamplesFact]
    public async Task Get_reads_the_setting_and_a_missing_one_is_null()
    {
        _server.Enqueue(RestExample.Load("2021-05-01-preview__getDiagnosticSetting.json").Reply(200));
        _server.Enqueue(new Reply(404, """{"code":"ResourceNotFound","message":"not found"}"""));

        DiagnosticSetting? setting = await _client.GetIfExistsAsync(Resource, "mysetting");
        DiagnosticSetting? missing = await _client.GetIfExistsAsync(Resource, "other");

        Assert.NotNull(setting);
        Assert.Equal(new DiagnosticLogSetting(null, "allLogs", true), Assert.Single(setting.Logs));
        Assert.True(setting.Collects("AZFWFlowTrace"));
        Assert.Null(missing);
    }
}
