using System.Text.Json;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Resources;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>
/// Network Watcher: finding the watcher for a region, packet capture sessions on VMs and scale sets,
/// and the path diagnostics (IP flow verify, next hop, connectivity check).
/// </summary>
public class NetworkWatcherClient
{
    private const string ApiVersion = ArmApiVersions.Network;
    private readonly ArmPipeline _pipeline;
    private readonly ArmOperationPoller _operations;

    public NetworkWatcherClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal NetworkWatcherClient(ArmPipeline pipeline)
    {
        _pipeline = pipeline;
        _operations = new ArmOperationPoller(pipeline);
    }

    /// <summary>For mocking.</summary>
    protected NetworkWatcherClient()
    {
        _pipeline = null!;
        _operations = null!;
    }

    /// <summary>
    /// The watcher for a region. Listed, not assumed: the default <c>NetworkWatcher_{region}</c> in
    /// <c>NetworkWatcherRG</c> is only a convention and may be missing or renamed.
    /// </summary>
    /// <exception cref="RequestFailedException">No watcher exists in the region (error code NetworkWatcherNotFound).</exception>
    public virtual async Task<Response<NetworkWatcher>> FindNetworkWatcherAsync(Guid subscriptionId, string location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        string wanted = NormalizeLocation(location);
        Response<IReadOnlyList<NetworkWatcher>> watchers = await GetNetworkWatchersAsync(subscriptionId, cancellationToken).ConfigureAwait(false);
        NetworkWatcher? match = watchers.Value.FirstOrDefault(w => NormalizeLocation(w.Location) == wanted);
        return match is not null
            ? Response.FromValue(match, watchers.GetRawResponse())
            : throw new RequestFailedException(404, $"Subscription {subscriptionId:D} has no Network Watcher in region '{InputText.Quote(location, 40)}'; enable Network Watcher for the region first.", "NetworkWatcherNotFound", null);
    }

    /// <summary>Every watcher in the subscription (NetworkWatchers_ListAll), following <c>nextLink</c>.</summary>
    public virtual Task<Response<IReadOnlyList<NetworkWatcher>>> GetNetworkWatchersAsync(Guid subscriptionId, CancellationToken cancellationToken = default) =>
        _pipeline.ListAsync(
            $"/subscriptions/{subscriptionId:D}/providers/Microsoft.Network/networkWatchers", ApiVersion, "List network watchers",
            (w, _) => w.Id is not null && w.Location is not null ? new NetworkWatcher(ArmResourceId.Parse(w.Id), w.Location) : null,
            cancellationToken);

    /// <summary>Starts a capture session and waits until ARM has provisioned it (PacketCaptures_Create).</summary>
    /// <exception cref="ArgumentException">The definition breaks a service limit; the message names the field.</exception>
    public virtual async Task<Response<PacketCapture>> CreatePacketCaptureAsync(
        ArmResourceId networkWatcherId, string captureName, PacketCaptureDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Validate() is { } problem)
        {
            throw new ArgumentException("Invalid packet capture: " + problem, nameof(definition));
        }

        ArmResourceId id = CaptureId(networkWatcherId, captureName);
        Response response = await _operations.SendAsync(
            RequestMethod.Put, id.ToUrlPath(), ApiVersion, new { properties = definition }, FinalStateVia.OriginalUri, $"Create packet capture {captureName}", cancellationToken).ConfigureAwait(false);
        return Response.FromValue(ReadCapture(response, $"Create packet capture {captureName}"), response);
    }

    public virtual async Task<Response<PacketCapture>> GetPacketCaptureAsync(ArmResourceId packetCaptureId, CancellationToken cancellationToken = default)
    {
        RequireCapture(packetCaptureId);
        Response response = await _pipeline.SendAsync(RequestMethod.Get, packetCaptureId.ToUrlPath(), ApiVersion, null, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(ReadCapture(response, $"Get packet capture {packetCaptureId.Name}"), response);
    }

    /// <summary>All capture sessions of a watcher, following <c>nextLink</c>.</summary>
    public virtual Task<Response<IReadOnlyList<PacketCapture>>> GetPacketCapturesAsync(ArmResourceId networkWatcherId, CancellationToken cancellationToken = default)
    {
        RequireWatcher(networkWatcherId);
        return _pipeline.ListAsync(
            networkWatcherId.ToUrlPath() + "/packetCaptures", ApiVersion, "List packet captures",
            (c, response) => ToCapture(c, response, "List packet captures"),
            cancellationToken);
    }

    /// <summary>Whether the session is recording, and why it stopped (PacketCaptures_GetStatus).</summary>
    public virtual async Task<Response<PacketCaptureStatus>> GetPacketCaptureStatusAsync(ArmResourceId packetCaptureId, CancellationToken cancellationToken = default)
    {
        RequireCapture(packetCaptureId);
        string operation = $"Query status of packet capture {packetCaptureId.Name}";
        Response response = await _operations.SendAsync(
            RequestMethod.Post, packetCaptureId.ToUrlPath() + "/queryStatus", ApiVersion, null, FinalStateVia.Location, operation, cancellationToken).ConfigureAwait(false);
        StatusWire wire = ArmPipeline.Read<StatusWire>(response, operation);
        var status = new PacketCaptureStatus(
            wire.Name ?? packetCaptureId.Name,
            new PacketCaptureState(wire.PacketCaptureStatus ?? PacketCaptureState.Unknown.Value),
            wire.StopReason,
            wire.CaptureStartTime,
            wire.PacketCaptureError ?? []);
        return Response.FromValue(status, response);
    }

    /// <summary>Stops the session; stopping one that already stopped is not an error.</summary>
    public virtual Task<Response> StopPacketCaptureAsync(ArmResourceId packetCaptureId, CancellationToken cancellationToken = default)
    {
        RequireCapture(packetCaptureId);
        return _operations.SendAsync(
            RequestMethod.Post, packetCaptureId.ToUrlPath() + "/stop", ApiVersion, null, FinalStateVia.Location, $"Stop packet capture {packetCaptureId.Name}", cancellationToken);
    }

    /// <summary>Deletes the session (the capture file in storage stays). A session that is already gone counts as deleted.</summary>
    public virtual async Task<Response> DeletePacketCaptureAsync(ArmResourceId packetCaptureId, CancellationToken cancellationToken = default)
    {
        RequireCapture(packetCaptureId);
        try
        {
            return await _operations.SendAsync(
                RequestMethod.Delete, packetCaptureId.ToUrlPath(), ApiVersion, null, FinalStateVia.Location, $"Delete packet capture {packetCaptureId.Name}", cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return ex.GetRawResponse()!;
        }
    }

    public virtual async Task<Response<IpFlowVerifyResult>> VerifyIpFlowAsync(ArmResourceId networkWatcherId, IpFlowVerifyRequest request, CancellationToken cancellationToken = default)
    {
        RequireWatcher(networkWatcherId);
        ArgumentNullException.ThrowIfNull(request);
        return await DiagnoseAsync<IpFlowVerifyResult>(networkWatcherId, "ipFlowVerify", request, "IP flow verify", cancellationToken).ConfigureAwait(false);
    }

    public virtual async Task<Response<NextHopResult>> GetNextHopAsync(ArmResourceId networkWatcherId, NextHopRequest request, CancellationToken cancellationToken = default)
    {
        RequireWatcher(networkWatcherId);
        ArgumentNullException.ThrowIfNull(request);
        return await DiagnoseAsync<NextHopResult>(networkWatcherId, "nextHop", request, "Next hop", cancellationToken).ConfigureAwait(false);
    }

    public virtual async Task<Response<ConnectivityCheckResult>> CheckConnectivityAsync(ArmResourceId networkWatcherId, ConnectivityCheckRequest request, CancellationToken cancellationToken = default)
    {
        RequireWatcher(networkWatcherId);
        ArgumentNullException.ThrowIfNull(request);
        return await DiagnoseAsync<ConnectivityCheckResult>(networkWatcherId, "connectivityCheck", request, "Connectivity check", cancellationToken).ConfigureAwait(false);
    }

    private async Task<Response<T>> DiagnoseAsync<T>(ArmResourceId networkWatcherId, string action, object request, string operation, CancellationToken cancellationToken)
    {
        // The 202 of these actions carries a body in the examples; the result is the Location's.
        Response response = await _operations.SendAsync(
            RequestMethod.Post, networkWatcherId.ToUrlPath() + "/" + action, ApiVersion, request, FinalStateVia.Location, operation, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(ArmPipeline.Read<T>(response, operation), response);
    }

    private static ArmResourceId CaptureId(ArmResourceId networkWatcherId, string captureName)
    {
        RequireWatcher(networkWatcherId);
        return networkWatcherId.Child("packetCaptures", captureName);
    }

    private static void RequireWatcher(ArmResourceId id) =>
        ArmResourceIdGuard.RequireType(id, "Microsoft.Network/networkWatchers", "a network watcher", nameof(id));

    private static void RequireCapture(ArmResourceId id) =>
        ArmResourceIdGuard.RequireType(id, "Microsoft.Network/networkWatchers/packetCaptures", "a packet capture", nameof(id));

    private static PacketCapture ReadCapture(Response response, string operation) =>
        ToCapture(ArmPipeline.Read<ArmResource<JsonElement>>(response, operation), response, operation);

    private static PacketCapture ToCapture(ArmResource<JsonElement> resource, Response response, string operation)
    {
        try
        {
            PacketCaptureDefinition definition = resource.Properties.Deserialize<PacketCaptureDefinition>(ArmPipeline.Json)
                ?? throw new JsonException("properties is missing");
            string state = resource.Properties.TryGetProperty("provisioningState", out JsonElement value) ? value.GetString() ?? "Unknown" : "Unknown";
            ArmResourceId id = ArmResourceId.TryParse(resource.Id, out ArmResourceId? parsed, out string? error) ? parsed : throw new JsonException("id: " + error);
            return new PacketCapture(id, resource.Name ?? id.Name, resource.Etag, new PacketCaptureProvisioningState(state), definition);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new RequestFailedException(response.Status, $"{operation}: the packet capture in ARM's answer is not in the documented shape ({ex.Message}).", "InvalidResponseBody", ex);
        }
    }

    private static string NormalizeLocation(string location) => location.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private sealed record StatusWire(string? Name, string? PacketCaptureStatus, string? StopReason, DateTimeOffset? CaptureStartTime, IReadOnlyList<string>? PacketCaptureError);
}
