using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Core.Requests;

/// <summary>Whether a resource lies inside one of the configured ARM scopes (a subscription or a resource group).</summary>
public static class ScopeAllowlist
{
    public static bool Contains(IReadOnlyList<string> scopes, ArmResourceId id)
    {
        string text = id.ToString();
        foreach (string scope in scopes)
        {
            string prefix = scope.TrimEnd('/');
            if (prefix.Length > 0 && text.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Outbound hosts (callbacks, webhooks) must be named by the operator: exact, or "*.domain" for subdomains.</summary>
public static class HostAllowlist
{
    public static bool Allows(IReadOnlyList<string> allowed, string host)
    {
        foreach (string entry in allowed)
        {
            if (entry.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase) && host.Length > entry.Length - 1
                : string.Equals(entry, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
