namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>
/// An Azure Resource Manager endpoint and the token audience it accepts. The public cloud is the
/// default; sovereign clouds and ARM-compatible endpoints (Azure Stack, test servers) are configured.
/// </summary>
public sealed record ArmEnvironment
{
    public ArmEnvironment(Uri endpoint, string audience)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        if (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps || endpoint.PathAndQuery != "/")
        {
            throw new ArgumentException($"The ARM endpoint must be an absolute https URL with no path, not '{endpoint}'.", nameof(endpoint));
        }

        Endpoint = endpoint;
        Audience = audience.TrimEnd('/');
    }

    public static ArmEnvironment AzurePublicCloud { get; } = new(new Uri("https://management.azure.com"), "https://management.azure.com");

    public static ArmEnvironment AzureChina { get; } = new(new Uri("https://management.chinacloudapi.cn"), "https://management.chinacloudapi.cn");

    public static ArmEnvironment AzureGovernment { get; } = new(new Uri("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net");

    public Uri Endpoint { get; }

    public string Audience { get; }

    /// <summary>The scope to request a token for, e.g. <c>https://management.azure.com/.default</c>.</summary>
    public string DefaultScope => Audience + "/.default";

    /// <summary>An endpoint that accepts tokens for the audience of its own URL (test servers, Azure Stack Hub).</summary>
    public static ArmEnvironment ForEndpoint(Uri endpoint) => new(endpoint, endpoint.GetLeftPart(UriPartial.Authority));
}
