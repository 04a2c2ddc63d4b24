using System.Text.Json;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>
/// Azure Firewall: reading the firewall, and packet capture through the packetCaptureOperation
/// action (start, status, stop) so a capture can be watched and stopped, not only started.
/// </summary>
public class AzureFirewallClient
{
    private const string ApiVersion = ArmApiVersions.Network;
    private readonly ArmPipeline _pipeline;
    private readonly ArmOperationPoller _operations;

    public AzureFirewallClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal AzureFirewallClient(ArmPipeline pipeline)
    {
        _pipeline = pipeline;
        _operations = new ArmOperationPoller(pipeline);
    }

    /// <summary>For mocking.</summary>
    protected AzureFirewallClient()
    {
        _pipeline = null!;
        _operations = null!;
    }

    public virtual async Task<Response<AzureFirewall>> GetAsync(ArmResourceId firewallId, CancellationToken cancellationToken = default)
    {
        RequireFirewall(firewallId);
        Response response = await _pipeline.SendAsync(RequestMethod.Get, firewallId.ToUrlPath(), ApiVersion, null, cancellationToken).ConfigureAwait(false);
        var wire = ArmPipeline.Read<ArmResource<FirewallProperties>>(response, "Get firewall " + firewallId.Name);
        FirewallProperties properties = wire.Properties ?? new FirewallProperties(null, null, null);
        var firewall = new AzureFirewall(
            firewallId,
            wire.Location ?? string.Empty,
            properties.Sku?.Name,
            properties.Sku?.Tier,
            properties.ManagementIpConfiguration is { ValueKind: JsonValueKind.Object },
            properties.AdditionalProperties ?? new Dictionary<string, string>());
        return Response.FromValue(firewall, response);
    }

    /// <summary>Starts a capture; the firewall writes its files into the container behind <paramref name="sasUrl"/>.</summary>
    /// <exception cref="RequestFailedException">The firewall refused (status code in ErrorCode), e.g. another capture is in progress.</exception>
    public virtual async Task<Response<FirewallPacketCaptureResult>> StartPacketCaptureAsync(
        ArmResourceId firewallId, FirewallPacketCaptureDefinition definition, Uri sasUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(sasUrl);
        if (definition.Validate() is { } problem)
        {
            throw new ArgumentException("Invalid firewall packet capture: " + problem, nameof(definition));
        }

        var body = new
        {
            operation = "Start",
            durationInSeconds = definition.DurationInSeconds,
            numberOfPacketsToCapture = definition.NumberOfPacketsToCapture,
            sasUrl = sasUrl.AbsoluteUri,
            fileName = definition.FileName,
            protocol = definition.Protocol,
            flags = definition.Flags.Select(f => new { type = f }).ToArray(),
            filters = definition.Filters,
        };
        Response<FirewallPacketCaptureResult> response = await OperateAsync(firewallId, body, "Start packet capture on firewall " + firewallId.Name, cancellationToken).ConfigureAwait(false);
        FirewallPacketCaptureResult result = response.Value;
        return result.IsFailure || result.IsInProgress
            ? throw new RequestFailedException(response.GetRawResponse().Status, $"Start packet capture on firewall {firewallId.Name}: {result.StatusCode}: {result.Message}", result.StatusCode, null)
            : response;
    }

    public virtual Task<Response<FirewallPacketCaptureResult>> GetPacketCaptureStatusAsync(ArmResourceId firewallId, CancellationToken cancellationToken = default) =>
        OperateAsync(firewallId, new { operation = "Status" }, "Packet capture status of firewall " + firewallId?.Name, cancellationToken);

    public virtual Task<Response<FirewallPacketCaptureResult>> StopPacketCaptureAsync(ArmResourceId firewallId, CancellationToken cancellationToken = default) =>
        OperateAsync(firewallId, new { operation = "Stop" }, "Stop packet capture on firewall " + firewallId?.Name, cancellationToken);

    private async Task<Response<FirewallPacketCaptureResult>> OperateAsync(ArmResourceId firewallId, object body, string operation, CancellationToken cancellationToken)
    {
        RequireFirewall(firewallId);
        Response response = await _operations.SendAsync(
            RequestMethod.Post, firewallId.ToUrlPath() + "/packetCaptureOperation", ApiVersion, body, FinalStateVia.Location, operation, cancellationToken).ConfigureAwait(false);
        FirewallPacketCaptureResult result = response.Content.ToMemory().IsEmpty
            ? new FirewallPacketCaptureResult(null, null)
            : ArmPipeline.Read<FirewallPacketCaptureResult>(response, operation);
        return Response.FromValue(result, response);
    }

    private static void RequireFirewall(ArmResourceId id) =>
        ArmResourceIdGuard.RequireType(id, "Microsoft.Network/azureFirewalls", "an Azure Firewall", nameof(id));

    private sealed record FirewallProperties(FirewallSku? Sku, JsonElement? ManagementIpConfiguration, IReadOnlyDictionary<string, string>? AdditionalProperties);

    private sealed record FirewallSku(string? Name, string? Tier);
}
