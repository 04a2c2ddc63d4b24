using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Azure.Resources;

/// <summary>Subscription preview features (Microsoft.Features) and resource provider registration.</summary>
public class FeatureClient
{
    private readonly ArmPipeline _pipeline;

    public FeatureClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal FeatureClient(ArmPipeline pipeline) => _pipeline = pipeline;

    /// <summary>For mocking.</summary>
    protected FeatureClient() => _pipeline = null!;

    public virtual Task<Response<FeatureRegistration>> GetAsync(Guid subscriptionId, string providerNamespace, string featureName, CancellationToken cancellationToken = default) =>
        SendAsync(RequestMethod.Get, subscriptionId, providerNamespace, featureName, string.Empty, cancellationToken);

    /// <summary>Asks for the feature; the state passes through Registering before Registered, so poll <see cref="GetAsync"/>.</summary>
    public virtual Task<Response<FeatureRegistration>> RegisterAsync(Guid subscriptionId, string providerNamespace, string featureName, CancellationToken cancellationToken = default) =>
        SendAsync(RequestMethod.Post, subscriptionId, providerNamespace, featureName, "/register", cancellationToken);

    public virtual Task<Response<FeatureRegistration>> UnregisterAsync(Guid subscriptionId, string providerNamespace, string featureName, CancellationToken cancellationToken = default) =>
        SendAsync(RequestMethod.Post, subscriptionId, providerNamespace, featureName, "/unregister", cancellationToken);

    /// <summary>Re-registers the provider so a newly registered feature takes effect.</summary>
    public virtual async Task<Response> RegisterProviderAsync(Guid subscriptionId, string providerNamespace, CancellationToken cancellationToken = default)
    {
        CheckName(providerNamespace, nameof(providerNamespace));
        return await _pipeline.SendAsync(RequestMethod.Post, $"/subscriptions/{subscriptionId:D}/providers/{providerNamespace}/register", ArmApiVersions.Resources, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Response<FeatureRegistration>> SendAsync(RequestMethod method, Guid subscriptionId, string providerNamespace, string featureName, string action, CancellationToken cancellationToken)
    {
        CheckName(providerNamespace, nameof(providerNamespace));
        CheckName(featureName, nameof(featureName));
        string path = $"/subscriptions/{subscriptionId:D}/providers/Microsoft.Features/providers/{providerNamespace}/features/{featureName}{action}";
        Response response = await _pipeline.SendAsync(method, path, ArmApiVersions.Features, null, cancellationToken).ConfigureAwait(false);
        var wire = ArmPipeline.Read<ArmResource<FeatureProperties>>(response, $"Feature {providerNamespace}/{featureName}");
        return Response.FromValue(new FeatureRegistration(wire.Name ?? $"{providerNamespace}/{featureName}", wire.Properties?.State ?? "Unknown"), response);
    }

    // Names go into the URL path unescaped, so only the characters ARM uses for them are allowed.
    private static void CheckName(string value, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, parameter);
        if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException($"'{InputText.Quote(value, 64)}' is not a provider or feature name.", parameter);
        }
    }

    private sealed record FeatureProperties(string? State);
}

/// <summary>NotRegistered, Registering, Registered, Unregistering, Unregistered, Pending…</summary>
public sealed record FeatureRegistration(string Name, string State)
{
    public bool IsRegistered => string.Equals(State, "Registered", StringComparison.OrdinalIgnoreCase);
}
