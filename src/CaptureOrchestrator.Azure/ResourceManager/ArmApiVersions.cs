namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>One api-version per resource provider, used for every call to it (see docs/azure.md).</summary>
internal static class ArmApiVersions
{
    public const string Network = "2026-01-01";
    public const string Compute = "2024-07-01";
    public const string DiagnosticSettings = "2021-05-01-preview";
    public const string Features = "2021-07-01";
    public const string Resources = "2021-04-01";
}
