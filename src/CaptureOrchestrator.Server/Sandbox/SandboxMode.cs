using CaptureOrchestrator.Api.Hosting;

namespace CaptureOrchestrator.Server.Sandbox;

/// <summary>
/// <c>serve --sandbox</c>: the whole service against a simulated Azure, for integrating a ticket
/// system without a subscription. Real API, signatures, workflows, blob store, analysis and
/// notifications; simulated ARM and Log Analytics (<see cref="SimulatedAzure"/>), whose captures
/// are sample files. It is only ever on when the command line asks for it (no setting switches it
/// on, and the Functions host does not contain it), and it refuses to start in a configuration
/// that reaches real Azure, so a real deployment cannot fall into it.
/// </summary>
public static class SandboxMode
{
    /// <summary>What every report, card, note, callback and response of a sandbox run says first.</summary>
    public const string Notice = "SIMULATED (serve --sandbox): no Azure resource was captured; the capture files are samples shipped with CaptureOrchestrator.";

    /// <summary>The response header that marks every answer of a sandbox server.</summary>
    public const string Header = "X-CaptureOrchestrator-Sandbox";

    /// <summary>Where a sandbox without a configured signing key keeps the one it generated (in its data folder); <c>call</c> reads it from there.</summary>
    public const string KeyFile = "sandbox-signing.key";

    /// <summary>The subscription the sandbox allows when no scopes are configured (any id works if allowed).</summary>
    public const string Subscription = "00000000-0000-0000-0000-000000000000";

    /// <summary>Why these settings cannot run as a sandbox (each setting that reaches real Azure, named); empty when they can.</summary>
    public static IReadOnlyList<string> Conflicts(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var conflicts = new List<string>();
        if (settings.Arm.Endpoint is not null)
        {
            conflicts.Add($"CaptureOrchestrator:Arm:Endpoint is set ({settings.Arm.Endpoint.Host}): the sandbox simulates ARM and never runs against a configured one");
        }

        if (settings.Arm.BearerToken is not null || settings.Arm.ManagedIdentityClientId is not null)
        {
            conflicts.Add("CaptureOrchestrator:Arm credentials are set: the sandbox signs in nowhere");
        }

        if (settings.Storage.BlobEndpoint is not null || settings.Storage.CaptureAccountResourceId is not null)
        {
            conflicts.Add("CaptureOrchestrator:Storage:BlobEndpoint / CaptureAccountResourceId is set: the sandbox writes its sample captures only to its own local blob store");
        }

        return conflicts;
    }

    /// <summary>Points the settings at the simulated Azure; throws naming every conflicting setting.</summary>
    /// <returns>Where the signing key is: the file it generated, or the setting that gave it.</returns>
    public static string Apply(ServerSettings settings)
    {
        IReadOnlyList<string> conflicts = Conflicts(settings);
        if (conflicts.Count > 0)
        {
            throw new InvalidOperationException("serve --sandbox refused: " + string.Join("; ", conflicts) + ". Remove these settings, or run without --sandbox.");
        }

        string keySource = "CaptureOrchestrator__Api__SigningKey";
        if (settings.Api.SigningKey is null)
        {
            // Requests are signed in the sandbox too (that is what an integrator tests), with a key of its own.
            Directory.CreateDirectory(settings.DataFolder);
            keySource = Path.Combine(settings.DataFolder, KeyFile);
            settings.Api.SigningKey = GeneratedKeyFile.ReadOrCreate(keySource, 32);
        }

        settings.Arm.Endpoint = SimulatedAzure.ArmEndpoint;
        settings.Arm.Audience = SimulatedAzure.ArmEndpoint.AbsoluteUri;
        settings.Arm.BearerToken = "sandbox"; // never leaves the process: the simulated endpoint answers in-process
        settings.Arm.PollingIntervalMilliseconds = Math.Min(settings.Arm.PollingIntervalMilliseconds, 200);
        settings.LogAnalytics.Endpoint = SimulatedAzure.LogAnalyticsEndpoint;
        settings.Storage.CaptureAccountResourceId = $"/subscriptions/{Subscription}/resourceGroups/sandbox/providers/Microsoft.Storage/storageAccounts/sandboxcaptures";
        if (settings.Limits.AllowedScopes.Count == 0)
        {
            settings.Limits.AllowedScopes.Add("/subscriptions/" + Subscription);
        }

        return keySource;
    }
}
