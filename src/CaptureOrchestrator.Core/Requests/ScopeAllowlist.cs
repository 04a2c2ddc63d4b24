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

    /// <summary>The subscriptions the scopes lie in ("/subscriptions/{guid}/…"); malformed scopes are skipped.</summary>
    public static IReadOnlyList<Guid> Subscriptions(IReadOnlyList<string> scopes) =>
        scopes
            .Select(scope => scope.Split('/', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 2 && string.Equals(parts[0], "subscriptions", StringComparison.OrdinalIgnoreCase))
            .Select(parts => Guid.TryParse(parts[1], out Guid id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty)
            .Distinct()
            .ToArray();
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
