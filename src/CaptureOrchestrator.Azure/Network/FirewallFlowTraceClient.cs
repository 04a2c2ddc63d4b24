using System.Diagnostics;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.Monitor;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Azure.Resources;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Network;

/// <summary>
/// Azure Firewall flow trace, switched exactly as documented: the subscription preview feature
/// <c>AFWEnableTcpConnectionLogging</c> must be registered, and the firewall's diagnostic setting
/// must collect the <c>AZFWFlowTrace</c> category into a workspace in resource-specific mode.
/// Switching on reads the current state first and records what it changed, so switching off undoes
/// exactly that — never a flow trace the customer had on before, never someone else's setting.
/// </summary>
public class FirewallFlowTraceClient
{
    public const string FeatureNamespace = "Microsoft.Network";
    public const string FeatureName = "AFWEnableTcpConnectionLogging";
    public const string LogCategory = "AZFWFlowTrace";

    /// <summary>The name of the diagnostic setting created when no setting sends to the workspace yet.</summary>
    public const string SettingName = "captureorchestrator-flowtrace";

    private readonly FeatureClient _features;
    private readonly DiagnosticSettingsClient _settings;
    private readonly ArmClientOptions _options;

    public FirewallFlowTraceClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal FirewallFlowTraceClient(ArmPipeline pipeline)
    {
        _features = new FeatureClient(pipeline);
        _settings = new DiagnosticSettingsClient(pipeline);
        _options = pipeline.Options;
    }

    /// <summary>For mocking.</summary>
    protected FirewallFlowTraceClient()
    {
        _features = null!;
        _settings = null!;
        _options = null!;
    }

    /// <summary>How long to wait for the feature registration to settle (it takes minutes).</summary>
    public TimeSpan FeatureRegistrationTimeout { get; init; } = TimeSpan.FromMinutes(20);

    public virtual async Task<FlowTraceState> GetStateAsync(ArmResourceId firewallId, CancellationToken cancellationToken = default)
    {
        RequireFirewall(firewallId);
        FeatureRegistration feature = (await _features.GetAsync(firewallId.SubscriptionId, FeatureNamespace, FeatureName, cancellationToken).ConfigureAwait(false)).Value;
        IReadOnlyList<DiagnosticSetting> settings = (await _settings.GetAllAsync(firewallId, cancellationToken).ConfigureAwait(false)).Value;
        string[] collecting = settings.Where(s => s.Collects(LogCategory)).Select(s => s.Name).ToArray();
        return new FlowTraceState(firewallId, feature.State, collecting);
    }

    /// <summary>Switches flow trace on into <paramref name="workspaceId"/>; does nothing that is already so.</summary>
    /// <returns>What was changed, to hand back to <see cref="DisableAsync"/>.</returns>
    public virtual async Task<FlowTraceChange> EnableAsync(ArmResourceId firewallId, ArmResourceId workspaceId, CancellationToken cancellationToken = default)
    {
        RequireFirewall(firewallId);
        ArmResourceIdGuard.RequireType(workspaceId, "Microsoft.OperationalInsights/workspaces", "a Log Analytics workspace", nameof(workspaceId));

        bool registeredFeature = await EnsureFeatureRegisteredAsync(firewallId.SubscriptionId, cancellationToken).ConfigureAwait(false);

        IReadOnlyList<DiagnosticSetting> settings = (await _settings.GetAllAsync(firewallId, cancellationToken).ConfigureAwait(false)).Value;
        if (settings.FirstOrDefault(s => s.Collects(LogCategory)) is { } already)
        {
            return new FlowTraceChange(firewallId, already.Name, CreatedSetting: false, EnabledCategory: false, registeredFeature);
        }

        // A category can go to a given workspace from one setting only, so extend the setting that
        // already sends there rather than adding a second one.
        if (settings.FirstOrDefault(s => string.Equals(s.WorkspaceId, workspaceId.ToString(), StringComparison.OrdinalIgnoreCase)) is { } sameWorkspace)
        {
            await _settings.CreateOrUpdateAsync(firewallId, sameWorkspace.WithLogCategory(LogCategory, enabled: true), cancellationToken).ConfigureAwait(false);
            return new FlowTraceChange(firewallId, sameWorkspace.Name, CreatedSetting: false, EnabledCategory: true, registeredFeature);
        }

        await _settings.CreateOrUpdateAsync(firewallId, DiagnosticSetting.ForWorkspace(SettingName, workspaceId.ToString(), LogCategory), cancellationToken).ConfigureAwait(false);
        return new FlowTraceChange(firewallId, SettingName, CreatedSetting: true, EnabledCategory: true, registeredFeature);
    }

    /// <summary>
    /// Undoes <paramref name="change"/>: deletes the setting it created, or switches the category off
    /// again in the setting it extended (read, modify, write). Safe to repeat.
    /// The subscription feature is left registered: it is shared by every firewall in the subscription
    /// (see <see cref="UnregisterFeatureAsync"/>).
    /// </summary>
    public virtual async Task DisableAsync(FlowTraceChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.CreatedSetting)
        {
            await _settings.DeleteAsync(change.FirewallId, change.SettingName, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!change.EnabledCategory)
        {
            return;
        }

        DiagnosticSetting? current = await _settings.GetIfExistsAsync(change.FirewallId, change.SettingName, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Logs.Any(l => l.Enabled && string.Equals(l.Category, LogCategory, StringComparison.OrdinalIgnoreCase)))
        {
            await _settings.CreateOrUpdateAsync(change.FirewallId, current.WithLogCategory(LogCategory, enabled: false), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether what <paramref name="change"/> switched on is still on; false when it switched nothing on.</summary>
    public virtual async Task<bool> IsInEffectAsync(FlowTraceChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!change.CreatedSetting && !change.EnabledCategory)
        {
            return false;
        }

        DiagnosticSetting? current = await _settings.GetIfExistsAsync(change.FirewallId, change.SettingName, cancellationToken).ConfigureAwait(false);
        return current is not null && current.Collects(LogCategory);
    }

    /// <summary>The slower, subscription-wide second step; call only when no firewall in the subscription holds a lease.</summary>
    public virtual Task<Response<FeatureRegistration>> UnregisterFeatureAsync(Guid subscriptionId, CancellationToken cancellationToken = default) =>
        _features.UnregisterAsync(subscriptionId, FeatureNamespace, FeatureName, cancellationToken);

    private async Task<bool> EnsureFeatureRegisteredAsync(Guid subscriptionId, CancellationToken cancellationToken)
    {
        FeatureRegistration feature = (await _features.GetAsync(subscriptionId, FeatureNamespace, FeatureName, cancellationToken).ConfigureAwait(false)).Value;
        if (feature.IsRegistered)
        {
            return false;
        }

        await _features.RegisterAsync(subscriptionId, FeatureNamespace, FeatureName, cancellationToken).ConfigureAwait(false);
        var waited = Stopwatch.StartNew();
        while (!feature.IsRegistered)
        {
            if (waited.Elapsed > FeatureRegistrationTimeout)
            {
                throw new TimeoutException($"Feature {FeatureNamespace}/{FeatureName} was still '{feature.State}' after {FeatureRegistrationTimeout}; flow trace was not switched on.");
            }

            await Task.Delay(_options.PollingInterval, cancellationToken).ConfigureAwait(false);
            feature = (await _features.GetAsync(subscriptionId, FeatureNamespace, FeatureName, cancellationToken).ConfigureAwait(false)).Value;
        }

        // The docs: re-register the provider so the feature takes effect.
        await _features.RegisterProviderAsync(subscriptionId, FeatureNamespace, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static void RequireFirewall(ArmResourceId id) =>
        ArmResourceIdGuard.RequireType(id, "Microsoft.Network/azureFirewalls", "an Azure Firewall", nameof(id));
}

/// <summary>Flow trace as it is now: the subscription feature state and the settings collecting AZFWFlowTrace.</summary>
public sealed record FlowTraceState(ArmResourceId FirewallId, string FeatureState, IReadOnlyList<string> CollectingSettings)
{
    public bool IsOn => string.Equals(FeatureState, "Registered", StringComparison.OrdinalIgnoreCase) && CollectingSettings.Count > 0;
}

/// <summary>What <see cref="FirewallFlowTraceClient.EnableAsync"/> changed; serializable, so a workflow can keep it until expiry.</summary>
public sealed record FlowTraceChange(ArmResourceId FirewallId, string SettingName, bool CreatedSetting, bool EnabledCategory, bool RegisteredFeature);
