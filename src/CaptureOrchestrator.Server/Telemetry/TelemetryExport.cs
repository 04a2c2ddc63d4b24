using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Engine;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CaptureOrchestrator.Server.Telemetry;

/// <summary>
/// Exports the product's traces and metrics while the server runs — with the HTTP server and client
/// spans and metrics .NET emits itself — to the console or an OTLP collector, as configured.
/// </summary>
internal sealed class TelemetryExport(TelemetrySettings settings) : IHostedService, IDisposable
{
    /// <summary>What is exported: what both hosts export, and the embedded engine's meter.</summary>
    public static readonly string[] Sources = HostTelemetry.Sources;

    public static readonly string[] Meters = [.. HostTelemetry.Meters, EmbeddedWorkflowEngine.MeterName];

    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        string exporter = settings.Exporter.Trim().ToLowerInvariant();
        if (exporter == "none")
        {
            return Task.CompletedTask;
        }

        if (exporter is not ("console" or "otlp"))
        {
            throw new InvalidOperationException($"CaptureOrchestrator:Telemetry:Exporter is '{settings.Exporter}'; expected none, console or otlp");
        }

        ResourceBuilder resource = ResourceBuilder.CreateDefault().AddService("capture-orchestrator", serviceVersion: typeof(TelemetryExport).Assembly.GetName().Version?.ToString());
        TracerProviderBuilder tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(Sources);
        MeterProviderBuilder metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(Meters);
        int intervalMs = Math.Max(1, settings.MetricExportIntervalSeconds) * 1000;
        if (exporter == "console")
        {
            tracing.AddProcessor(new SimpleActivityExportProcessor(new ConsoleSpanExporter(Console.Out)));
            metrics.AddReader(new PeriodicExportingMetricReader(new ConsoleMetricExporter(Console.Out), intervalMs));
        }
        else
        {
            OtlpExportProtocol protocol = settings.OtlpProtocol.Trim().ToLowerInvariant() switch
            {
                "grpc" => OtlpExportProtocol.Grpc,
                "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
                _ => throw new InvalidOperationException($"CaptureOrchestrator:Telemetry:OtlpProtocol is '{settings.OtlpProtocol}'; expected grpc or http/protobuf"),
            };
            tracing.AddOtlpExporter(o => Configure(o, protocol, "v1/traces"));
            metrics.AddOtlpExporter((o, reader) =>
            {
                Configure(o, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs;
            });
        }

        _tracing = tracing.Build();
        _metrics = metrics.Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose(); // flushes what is buffered
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _tracing?.Dispose();
        _metrics?.Dispose();
        _tracing = null;
        _metrics = null;
    }

    /// <summary>A base URL from configuration; over HTTP each signal has its own path, which the exporter does not add to a configured URL.</summary>
    private void Configure(OtlpExporterOptions options, OtlpExportProtocol protocol, string signalPath)
    {
        options.Protocol = protocol;
        if (settings.OtlpEndpoint is { } endpoint)
        {
            options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath) : endpoint;
        }
    }
}
