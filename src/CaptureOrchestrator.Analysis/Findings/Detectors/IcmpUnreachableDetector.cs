using CaptureOrchestrator.Analysis.Engine;
using CaptureOrchestrator.Analysis.Flows;
using CaptureOrchestrator.Analysis.Reporting;

namespace CaptureOrchestrator.Analysis.Findings.Detectors;

/// <summary>ICMP destination-unreachable errors, attributed to the conversation whose packet they quote.</summary>
public sealed class IcmpUnreachableDetector : IDetector, IFlowObserver
{
    private const int MaxGroups = 500;
    private readonly Dictionary<(FlowKeyServer Server, string Meaning, string Reporter), FlowGroup> _groups = [];

    public void OnFlowFinished(Flow flow)
    {
        foreach (IcmpErrorEvent error in flow.IcmpErrors)
        {
            bool unreachable = error.IpVersion == 4 ? error.Type == 3 && error.Code != 4 : error.Type == 1;
            if (!unreachable)
            {
                continue;
            }

            var key = (FlowKeyServer.Of(flow), IcmpMessages.Describe(error.IpVersion, error.Type, error.Code), error.Reporter.ToString());
            if (!_groups.TryGetValue(key, out FlowGroup? group))
            {
                if (_groups.Count >= MaxGroups)
                {
                    return;
                }

                _groups[key] = group = new FlowGroup();
            }

            group.Add(flow, error.PacketNumber);
            group.Accumulate("errors", 1);
            group.Accumulate(error.IpVersion == 4 ? $"code{error.Code}" : $"v6code{error.Code}", 1);
            return; // one group per flow is enough
        }
    }

    public IEnumerable<Finding> Conclude(CaptureAnalysis analysis, DiagnosisContext context)
    {
        foreach (((FlowKeyServer server, string meaning, string reporter), FlowGroup group) in _groups)
        {
            bool prohibited = meaning.Contains("prohibited", StringComparison.Ordinal) || meaning.Contains("policy", StringComparison.Ordinal);
            bool port = meaning.Contains("port unreachable", StringComparison.Ordinal);
            string protocolName = Decoding.IpProtocol.Name(server.Protocol);
            string explanation = prohibited
                ? $"{reporter} says traffic to {server.Text} is administratively prohibited: a firewall or router filter rejects it (and says so, unlike an NSG, which drops silently)."
                : port
                    ? $"{reporter} says nothing listens on {protocolName} port {server.Port} of {server.Address}: the packet arrived but no application accepted it."
                    : $"{reporter} reports that {server.Text} cannot be reached ({meaning}): there is no route to it, or the host is down.";
            string nextStep = prohibited
                ? $"Find the device at {reporter} (Network Watcher next hop from the source VM shows it if it is an NVA or firewall) and its rule for this traffic; check the Azure Firewall / NVA logs."
                : port
                    ? "Check that the service runs and listens on this UDP/TCP port on the target, and that the port in the client's configuration is right."
                    : $"Run Network Watcher next hop and connection troubleshoot from the source VM to {server.Address}; check effective routes (UDRs, BGP routes from the VPN/ExpressRoute) and that the target VM is running.";
            yield return group.Describe(new Finding
            {
                Code = FindingCodes.IcmpUnreachable,
                Severity = FindingSeverity.Error,
                Title = $"{reporter} answers traffic to {server.Text} with ICMP {meaning} ({FlowText.Count(group.Sum("errors"), "error", "errors")})",
                Verdict = $"Traffic to {server.Text} is rejected with ICMP '{meaning}' from {reporter}.",
                Explanation = explanation,
                NextStep = nextStep,
                WiresharkFilter = $"(icmp.type==3 || icmpv6.type==1) && {server.AddressField}.addr=={server.Address}",
                Facts = new Dictionary<string, double> { ["icmpErrors"] = group.Sum("errors"), ["flows"] = group.Count },
                Weight = group.Sum("errors"),
            });
        }
    }
}
