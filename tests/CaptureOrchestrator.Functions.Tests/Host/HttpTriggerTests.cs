using CaptureOrchestrator.TestSupport;

namespace CaptureOrchestrator.Functions.Tests.Host;

/// <summary>
/// The request cases the self-hosted server's API tests run (<see cref="ApiRequestCases"/>), run
/// against the Functions app's HTTP triggers: signature, validation, scopes, body limit, 202 with the
/// operation id, 409 for a busy target, 429 over the rate.
/// </summary>
public sealed class HttpTriggerTests
{
    [Fact]
    public async Task Each_bad_request_is_refused_with_its_status_and_a_problem_naming_it_and_nothing_starts()
    {
        await using FunctionsApiHost host = await FunctionsApiHost.StartAsync();

        foreach (ApiRefusalCase refusal in ApiRequestCases.Refusals)
        {
            await ApiRequestCases.RefusedAsync(host, refusal);
        }
    }

    [Fact]
    public async Task A_valid_capture_is_accepted_and_a_second_on_its_target_is_refused_naming_it()
    {
        await using FunctionsApiHost host = await FunctionsApiHost.StartAsync();

        await ApiRequestCases.AcceptedThenBusyAsync(host);
    }

    [Fact]
    public async Task A_signature_binds_method_path_and_body_and_a_state_changing_request_is_taken_once()
    {
        await using FunctionsApiHost host = await FunctionsApiHost.StartAsync();

        await ApiRequestCases.SignaturesBindTheRequestAndAreTakenOnceAsync(host);
    }

    [Fact]
    public async Task Identical_requests_sent_at_once_create_one_operation_and_say_so_once()
    {
        await using FunctionsApiHost host = await FunctionsApiHost.StartAsync();

        await ApiRequestCases.ConcurrentRetriesCreateOneOperationAsync(host);
    }

[Fact]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_while_health_stays_up()
    {
        await using FunctionsApiHost host = await FunctionsApiHost.StartAsync("--CaptureOrchestrator:Api:RequestsPerMinute=3");

        await ApiRequestCases.RateLimitedAsync(host, perMinute: 3);
    }
}
