using System.Text.Json;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>
/// Packet captures on VPN gateways: a virtual network gateway or one of its connections, a Virtual
/// WAN VPN gateway or one of its VPN connections. There is no duration: the capture runs until
/// stopped, and the file is uploaded to the SAS URL only by the stop call.
/// </summary>
public class VpnGatewayClient
{
    private const string ApiVersion = ArmApiVersions.Network;
    private readonly ArmOperationPoller _operations;
    private readonly bool _httpsUploadsOnly = true;

    public VpnGatewayClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal VpnGatewayClient(ArmPipeline pipeline)
    {
        _operations = new ArmOperationPoller(pipeline);
        _httpsUploadsOnly = pipeline.Options.RequireHttpsUploadUrls;
    }

    /// <summary>For mocking.</summary>
    protected VpnGatewayClient() => _operations = null!;

    /// <summary>Starts a capture on a gateway or connection.</summary>
    /// <param name="target">A virtualNetworkGateways, connections, vpnGateways or vpnGateways/vpnConnections id.</param>
    /// <param name="linkConnectionNames">Virtual WAN VPN connections only: the site link connections to capture.</param>
    public virtual async Task<Response<VpnPacketCaptureResult>> StartPacketCaptureAsync(
        ArmResourceId target, VpnPacketCaptureFilter? filter = null, IReadOnlyList<string>? linkConnectionNames = null, CancellationToken cancellationToken = default)
    {
        VpnTarget kind = Classify(target, linkConnectionNames);
        var body = new Dictionary<string, object>();
        if (filter is not null)
        {
            body["filterData"] = filter.ToFilterData();
        }

        if (linkConnectionNames is { Count: > 0 })
        {
            body["linkConnectionNames"] = linkConnectionNames;
        }

        return await SendAsync(target, kind.StartAction, body.Count == 0 ? null : body, "Start packet capture on " + target.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the capture and has the gateway upload the file to <paramref name="sasUrl"/> (a container SAS with write permission).</summary>
    public virtual async Task<Response<VpnPacketCaptureResult>> StopPacketCaptureAsync(
        ArmResourceId target, Uri sasUrl, IReadOnlyList<string>? linkConnectionNames = null, CancellationToken cancellationToken = default)
    {
        VpnTarget kind = Classify(target, linkConnectionNames);
        ArgumentNullException.ThrowIfNull(sasUrl);
        if (!sasUrl.IsAbsoluteUri || (sasUrl.Scheme != Uri.UriSchemeHttps && _httpsUploadsOnly) || !sasUrl.Query.Contains("sig=", StringComparison.Ordinal))
        {
            throw new ArgumentException("sasUrl must be an https storage URL carrying a SAS signature (sig=...).", nameof(sasUrl));
        }

        var body = new Dictionary<string, object> { ["sasUrl"] = sasUrl.AbsoluteUri };
        if (linkConnectionNames is { Count: > 0 })
        {
            body["linkConnectionNames"] = linkConnectionNames;
        }

        return await SendAsync(target, kind.StopAction, body, "Stop packet capture on " + target.Name, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Response<VpnPacketCaptureResult>> SendAsync(ArmResourceId target, string action, object? body, string operation, CancellationToken cancellationToken)
    {
        Response response = await _operations.SendAsync(
            RequestMethod.Post, target.ToUrlPath() + "/" + action, ApiVersion, body, FinalStateVia.Location, operation, cancellationToken).ConfigureAwait(false);
        VpnPacketCaptureResult result = VpnPacketCaptureResult.Parse(response.Content);
        return result.Succeeded
            ? Response.FromValue(result, response)
            : throw new RequestFailedException(response.Status, $"{operation}: the gateway answered status '{result.Status}'{(result.Data is null ? "" : ": " + result.Data)}", "VpnPacketCaptureFailed", null);
    }

    private sealed record VpnTarget(string StartAction, string StopAction);

    // The Virtual WAN operations spell the action in lower case; the gateway ones in camel case.
    private static readonly VpnTarget GatewayActions = new("startPacketCapture", "stopPacketCapture");
    private static readonly VpnTarget VirtualWanActions = new("startpacketcapture", "stoppacketcapture");

    private static VpnTarget Classify(ArmResourceId target, IReadOnlyList<string>? linkConnectionNames)
    {
        ArgumentNullException.ThrowIfNull(target);
        bool vwanConnection = target.IsOfType("Microsoft.Network/vpnGateways/vpnConnections");
        if (linkConnectionNames is { Count: > 0 } && !vwanConnection)
        {
            throw new ArgumentException("linkConnectionNames only apply to a Virtual WAN VPN connection (vpnGateways/vpnConnections).", nameof(linkConnectionNames));
        }

        if (target.IsOfType("Microsoft.Network/virtualNetworkGateways") || target.IsOfType("Microsoft.Network/connections"))
        {
            return GatewayActions;
        }

        if (target.IsOfType("Microsoft.Network/vpnGateways") || vwanConnection)
        {
            return VirtualWanActions;
        }

        throw new ArgumentException($"{target.ResourceType} cannot be captured as a VPN gateway; expected a virtual network gateway, a connection, a Virtual WAN VPN gateway or one of its VPN connections.", nameof(target));
    }
}

/// <summary>What a gateway said about a start or stop: <c>{"Status":"Successful","Data":...}</c>.</summary>
public sealed record VpnPacketCaptureResult(string? Status, string? Data)
{
    /// <summary>No status at all (an empty final response) is taken as success: ARM already reported the operation Succeeded.</summary>
    public bool Succeeded => Status is null || string.Equals(Status, "Successful", StringComparison.OrdinalIgnoreCase) || string.Equals(Status, "Succeeded", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The body is specified as a JSON string whose text is itself JSON; the examples even wrap it
    /// twice. Unwrap strings until an object appears; anything else is kept as the Data text.
    /// </summary>
    internal static VpnPacketCaptureResult Parse(BinaryData body)
    {
        if (body.ToMemory().IsEmpty)
        {
            return new VpnPacketCaptureResult(null, null);
        }

        string text = body.ToString();
        for (int depth = 0; depth < 4; depth++)
        {
            JsonElement element;
            try
            {
                element = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // The doubly wrapped example is not valid JSON once unwrapped; strip the stray quotes.
                string trimmed = text.Trim().Trim('"');
                if (trimmed == text)
                {
                    return new VpnPacketCaptureResult(null, text);
                }

                text = trimmed;
                continue;
            }

            if (element.ValueKind == JsonValueKind.String)
            {
                text = element.GetString()!;
                continue;
            }

            if (element.ValueKind == JsonValueKind.Object)
            {
                string? status = element.TryGetProperty(nameof(Status), out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                string? data = element.TryGetProperty(nameof(Data), out JsonElement d) && d.ValueKind != JsonValueKind.Null ? d.ToString() : null;
                return new VpnPacketCaptureResult(status, data);
            }

            break;
        }

        return new VpnPacketCaptureResult(null, text);
    }
}
