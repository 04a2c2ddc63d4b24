using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using CaptureOrchestrator.Azure.ResourceManager;
using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.Monitor;

/// <summary>Diagnostic settings of a resource (Microsoft.Insights, synchronous operations).</summary>
public class DiagnosticSettingsClient
{
    private const string ApiVersion = ArmApiVersions.DiagnosticSettings;
    private readonly ArmPipeline _pipeline;

    public DiagnosticSettingsClient(TokenCredential credential, ArmClientOptions? options = null)
        : this(new ArmPipeline(credential, options))
    {
    }

    internal DiagnosticSettingsClient(ArmPipeline pipeline) => _pipeline = pipeline;

    /// <summary>For mocking.</summary>
    protected DiagnosticSettingsClient() => _pipeline = null!;

    /// <summary>The setting, or null when the resource has no setting of that name.</summary>
    public virtual async Task<DiagnosticSetting?> GetIfExistsAsync(ArmResourceId resourceId, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            Response response = await _pipeline.SendAsync(RequestMethod.Get, SettingPath(resourceId, name), ApiVersion, null, cancellationToken).ConfigureAwait(false);
            return ToSetting(ArmPipeline.Read<JsonObject>(response, "Get diagnostic setting " + name), name);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public virtual async Task<Response<IReadOnlyList<DiagnosticSetting>>> GetAllAsync(ArmResourceId resourceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resourceId);
        Response response = await _pipeline.SendAsync(RequestMethod.Get, resourceId.ToUrlPath() + "/providers/Microsoft.Insights/diagnosticSettings", ApiVersion, null, cancellationToken).ConfigureAwait(false);
        JsonObject list = ArmPipeline.Read<JsonObject>(response, "List diagnostic settings");
        IReadOnlyList<DiagnosticSetting> settings = (list["value"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(s => ToSetting(s, s["name"]?.GetValue<string>() ?? "unnamed"))
            .ToArray();
        return Response.FromValue(settings, response);
    }

    /// <summary>Creates or replaces the whole setting — read it first and change only what you mean to (see <see cref="DiagnosticSetting.WithLogCategory"/>).</summary>
    public virtual async Task<Response<DiagnosticSetting>> CreateOrUpdateAsync(ArmResourceId resourceId, DiagnosticSetting setting, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setting);
        Response response = await _pipeline.SendAsync(
            RequestMethod.Put, SettingPath(resourceId, setting.Name), ApiVersion, new JsonObject { ["properties"] = setting.Properties }, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(ToSetting(ArmPipeline.Read<JsonObject>(response, "Put diagnostic setting " + setting.Name), setting.Name), response);
    }

    /// <summary>Deletes the setting; one that does not exist counts as deleted.</summary>
    public virtual async Task DeleteAsync(ArmResourceId resourceId, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await _pipeline.SendAsync(RequestMethod.Delete, SettingPath(resourceId, name), ApiVersion, null, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    private static string SettingPath(ArmResourceId resourceId, string name)
    {
        ArgumentNullException.ThrowIfNull(resourceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return resourceId.ToUrlPath() + "/providers/Microsoft.Insights/diagnosticSettings/" + Uri.EscapeDataString(name);
    }

    private static DiagnosticSetting ToSetting(JsonObject resource, string fallbackName) =>
        new(resource["name"]?.GetValue<string>() ?? fallbackName, resource["properties"] as JsonObject ?? []);
}
