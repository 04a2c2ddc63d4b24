using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Api;

/// <summary>
/// Which target kinds this deployment can see through to a report, and why not: a request naming
/// one it cannot is refused before anything starts (400 naming the target), and the self-hosted
/// server says at start-up which kinds it cannot serve. One place for the rule, both hosts.
/// </summary>
/// <param name="settings">The configuration.</param>
/// <param name="uploadEndpoint">Where gateways and firewalls are told to upload (the store's link address); asked per request, since a server knows its address only once it listens.</param>
/// <param name="simulated">Azure is simulated by the host (the sandbox): its gateways and firewalls upload to whatever address they are given.</param>
public sealed class TargetSupport(ServerSettings settings, Func<Uri?> uploadEndpoint, bool simulated = false)
{
    /// <summary>Why a target of this kind cannot be completed here; null when it can.</summary>
    public string? WhyNot(TargetKind kind) => kind switch
    {
        // Network Watcher writes VM and scale-set captures only to a storage account.
        TargetKind.VirtualMachine or TargetKind.ScaleSet when settings.Storage.CaptureAccountResourceId is null =>
            "this server has no capture storage account (Storage:CaptureAccountResourceId), and Network Watcher writes VM and scale set captures only to one; VPN gateways and firewalls can be captured",
        TargetKind.VirtualMachine or TargetKind.ScaleSet => null,

        // Gateways and firewalls upload to a SAS URL they are given, and only to an https one.
        _ when simulated => null,
        _ => uploadEndpoint() is { } endpoint && endpoint.Scheme == Uri.UriSchemeHttps
            ? null
            : $"VPN gateways and Azure Firewall upload capture files only to an https URL, and this server's upload address is {uploadEndpoint()?.GetLeftPart(UriPartial.Authority) ?? "unknown"}: "
              + (settings.Storage.BlobEndpoint is null
                  ? "listen on HTTPS (--urls https://… with Kestrel:Certificates:Default) and set PublicUrl to the https address Azure reaches, or configure a storage account (Storage:BlobEndpoint)"
                  : "configure an https blob endpoint (Storage:BlobEndpoint)"),
    };

    /// <summary>The field errors for the targets of a request this deployment cannot complete.</summary>
    public List<FieldError> Refusals(IEnumerable<CaptureTarget> targets, string fieldPrefix = "") =>
        [.. targets.Select(t => (Target: t, Why: WhyNot(t.Kind))).Where(t => t.Why is not null).Select(t => new FieldError($"{fieldPrefix}targets[{t.Target.Index}].resourceId", t.Why!))];

    /// <summary>Each kind this deployment cannot serve, with the reason (for the start-up log).</summary>
    public IEnumerable<(TargetKind Kind, string Why)> Unserved() =>
        Enum.GetValues<TargetKind>().Select(kind => (Kind: kind, Why: WhyNot(kind))).Where(k => k.Why is not null).Select(k => (k.Kind, k.Why!));
}
