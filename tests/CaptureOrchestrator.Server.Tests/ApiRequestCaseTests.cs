using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The API's request cases (<see cref="ApiRequestCases"/>, also run against the Functions host's
/// HTTP triggers) against the real server over HTTP: every class of bad input refused with its status
/// and a problem naming it, nothing reaching Azure; 202, then 409 for a busy target; 429 over the rate.
/// </summary>
[Collection(PlainAzuriteCollection.Name)]
public sealed class ApiRequestCaseTests(PlainAzurite azurite)
{
    private Task<OrchestratorRig> StartAsync(params (string Key, string Value)[] more) =>
        OrchestratorRig.StartAsync(azurite, settings =>
        {
            foreach ((string key, string value) in ApiRequestCases.Settings.Select(s => (s.Key, s.Value)).Concat(more))
            {
                settings[key] = value;
            }
        });

    [AzuriteFact]
    public async Task Each_bad_request_is_refused_with_its_status_and_a_problem_naming_it_and_nothing_starts()
    {
        await using OrchestratorRig rig = await StartAsync();
        var host = new ServerApiHost(rig);

        foreach (ApiRefusalCase refusal in ApiRequestCases.Refusals)
        {
            await ApiRequestCases.RefusedAsync(host, refusal);
        }
    }

    [AzuriteFact]
    public async Task A_valid_capture_is_accepted_and_a_second_on_its_target_is_refused_naming_it()
    {
        await using OrchestratorRig rig = await StartAsync();

        await ApiRequestCases.AcceptedThenBusyAsync(new ServerApiHost(rig));
    }

    [AzuriteFact]
    public async Task A_signature_binds_method_path_and_body_and_a_state_changing_request_is_taken_once()
    {
        await using OrchestratorRig rig = await StartAsync();

        await ApiRequestCases.SignaturesBindTheRequestAndAreTakenOnceAsync(new ServerApiHost(rig));
    }

    [AzuriteFact]
    public async Task Identical_requests_sent_at_once_create_one_operation_and_say_so_once()
    {
        await using OrchestratorRig rig = await StartAsync();

        await ApiRequestCases.ConcurrentRetriesCreateOneOperationAsync(new ServerApiHost(rig));
    }

[AzuriteFact]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_while_health_stays_up()
    {
        await using OrchestratorRig rig = await StartAsync(("CaptureOrchestrator:Api:RequestsPerMinute", "3"));

        await ApiRequestCases.RateLimitedAsync(new ServerApiHost(rig), perMinute: 3);
    }

    /// <summary>The server as a ticket system reaches it: over HTTP, with the signature header as given.</summary>
    private sealed class ServerApiHost(OrchestratorRig rig) : IApiHost
    {
        public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, byte[] body, string? signature)
        {
            using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            if (signature is not null)
            {
                request.Headers.Add(Core.Notifications.HmacSignature.HeaderName, signature);
            }

            using HttpResponseMessage response = await rig.Http.SendAsync(request);
            return new ApiAnswer(response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
        }

        public async Task<bool> StartedAnythingAsync()
        {
            if (rig.Arm.Server.Requests.Count > 0)
            {
                return true;
            }

            await foreach (WorkflowMetadata _ in rig.Workflows.GetAllInstancesAsync())
            {
                return true;
            }

            return false;
        }
    }
}
