// Mirror of OpenTelemetry.Extensions.Hosting's AddOpenTelemetry (open-telemetry/opentelemetry-dotnet
// src/OpenTelemetry.Extensions.Hosting) and Azure.Monitor.OpenTelemetry.Exporter's
// UseAzureMonitorExporter and options (Azure/azure-sdk-for-net sdk/monitor/
// Azure.Monitor.OpenTelemetry.Exporter/api/*.net10.0.cs). Signatures only. The signal methods
// (WithTracing, WithMetrics) are the real ones from the OpenTelemetry package.
#pragma warning disable CA1812
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace Microsoft.Extensions.DependencyInjection
{
    public static class OpenTelemetryServicesExtensions
    {
        public static OpenTelemetryBuilder AddOpenTelemetry(this IServiceCollection services) => new(services);
    }
}

namespace OpenTelemetry
{
    public sealed class OpenTelemetryBuilder(IServiceCollection services) : IOpenTelemetryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

namespace Azure.Monitor.OpenTelemetry.Exporter
{
    public class AzureMonitorExporterOptions : ClientOptions
    {
        public string? ConnectionString { get; set; }

        public TokenCredential? Credential { get; set; }

        public float SamplingRatio { get; set; }

        public double? TracesPerSecond { get; set; }
    }

    public static class OpenTelemetryBuilderExtensions
    {
        public static IOpenTelemetryBuilder UseAzureMonitorExporter(this IOpenTelemetryBuilder builder) => builder;

        public static IOpenTelemetryBuilder UseAzureMonitorExporter(this IOpenTelemetryBuilder builder, Action<AzureMonitorExporterOptions> configureAzureMonitor) => builder;
    }
}
