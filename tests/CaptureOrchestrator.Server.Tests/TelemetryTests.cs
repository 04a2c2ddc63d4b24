using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using CaptureOrchestrator.Server.Telemetry;
using CaptureOrchestrator.TestSupport;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>Traces and metrics leave the self-hosted server the way an operator configured, carrying operation and ticket.</summary>
[Collection(PlainAzuriteCollection.Name)]
public sealed class TelemetryTests(PlainAzurite azurite)
{
    [AzuriteFact]
    public async Task An_operations_spans_and_metrics_reach_an_otlp_collector_with_its_operation_and_ticket()
    {
        await using WebhookReceiver collector = await WebhookReceiver.StartAsync();
        await using OrchestratorRig rig = await OrchestratorRig.StartAsync(azurite, s =>
        {
            s["CaptureOrchestrator:Telemetry:Exporter"] = "otlp";
            s["CaptureOrchestrator:Telemetry:OtlpProtocol"] = "http/protobuf";
            s["CaptureOrchestrator:Telemetry:OtlpEndpoint"] = new Uri(collector.BaseUri, "/collector").AbsoluteUri;
            s["CaptureOrchestrator:Telemetry:MetricExportIntervalSeconds"] = "1";
        });

        string operationId = await rig.StartCaptureAsync(OrchestratorRig.CaptureRequest("INC0050001"));
        await rig.WaitForEndAsync(operationId, TimeSpan.FromSeconds(90));

        // OTLP protobuf carries strings as UTF-8: the spans name the operation, its ticket and the activity.
        string traces = await ReceivedAsync(collector, "/collector/v1/traces", operationId, "activity AnalyzeCapture", "servicenow:INC0050001");
        Assert.Contains("captureorchestrator.operation.id", traces, StringComparison.Ordinal);
        await ReceivedAsync(collector, "/collector/v1/metrics", "captureorchestrator.capture.bytes", "captureorchestrator.operations.ended", "captureorchestrator.operations.active", "workflow.activity.duration");
    }

    private static async Task<string> ReceivedAsync(WebhookReceiver collector, string path, params string[] expected)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            string all = string.Join("\n", collector.Received.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));
            string[] missing = [.. expected.Where(e => !all.Contains(e, StringComparison.Ordinal))];
            if (missing.Length == 0)
            {
                return all;
            }

            Assert.True(DateTime.UtcNow < giveUp, $"{path} never carried {string.Join(", ", missing)} ({collector.Received.Count(r => r.Path == path)} exports)");
            await Task.Delay(200);
        }
    }

    [Fact]
    public void The_console_exporters_write_one_line_per_span_and_metric_point()
    {
        using var source = new ActivitySource("console-exporter-test");
        using var meter = new Meter("console-exporter-test");
        Counter<long> bytes = meter.CreateCounter<long>("capture.bytes");
        var output = new StringWriter();
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(source.Name).AddProcessor(new SimpleActivityExportProcessor(new ConsoleSpanExporter(output))).Build())
        using (MeterProvider metrics = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(new PeriodicExportingMetricReader(new ConsoleMetricExporter(output), 60_000)).Build())
        {
            using (Activity? span = source.StartActivity("activity StartCapture"))
            {
                span?.SetTag("captureorchestrator.operation.id", "op-42");
                span?.SetStatus(ActivityStatusCode.Error, "throttled");
            }

            bytes.Add(1500, new KeyValuePair<string, object?>("target.kind", "VirtualMachine"));
            bytes.Add(500, new KeyValuePair<string, object?>("target.kind", "VirtualMachine"));
            metrics.ForceFlush();
        }

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string spanLine = Assert.Single(lines, l => l.StartsWith("span ", StringComparison.Ordinal));
        Assert.Matches(@"^span activity StartCapture \d+\.\d ms ERROR throttled trace=[0-9a-f]{32} captureorchestrator\.operation\.id=op-42$", spanLine);
        Assert.Contains("metric capture.bytes target.kind=VirtualMachine 2000", lines);
    }
}
