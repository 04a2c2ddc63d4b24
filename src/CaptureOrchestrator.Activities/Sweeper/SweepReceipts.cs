using CaptureOrchestrator.Core.Requests;

namespace CaptureOrchestrator.Activities.Sweeper;

/// <summary>
/// What the sweeper needs to switch off a gateway or firewall capture an operation left running:
/// the target, and the container its files go to (a VPN gateway only uploads when stopped).
/// </summary>
internal sealed record TargetCaptureReceipt(string OperationId, CaptureTarget Target, string Container);
