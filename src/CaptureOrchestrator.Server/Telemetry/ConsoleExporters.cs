using System.Diagnostics;
using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace CaptureOrchestrator.Server.Telemetry;

/// <summary>One line per finished span: name, duration, status, trace id and tags.</summary>
internal sealed class ConsoleSpanExporter(TextWriter output) : BaseExporter<Activity>
{
    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (Activity span in batch)
        {
            var line = new StringBuilder("span ")
                .Append(span.DisplayName)
                .Append(CultureInfo.InvariantCulture, $" {span.Duration.TotalMilliseconds:F1} ms")
                .Append(span.Status == ActivityStatusCode.Error ? " ERROR " + span.StatusDescription : string.Empty)
                .Append(" trace=").Append(span.TraceId.ToHexString());
            foreach (KeyValuePair<string, object?> tag in span.TagObjects)
            {
                line.Append(' ').Append(tag.Key).Append('=').Append(Convert.ToString(tag.Value, CultureInfo.InvariantCulture));
            }

            output.WriteLine(line.ToString());
        }

        return ExportResult.Success;
    }
}

/// <summary>One line per metric point: name, tags and value (sums, gauges; count and sum for histograms).</summary>
internal sealed class ConsoleMetricExporter(TextWriter output) : BaseExporter<Metric>
{
    public override ExportResult Export(in Batch<Metric> batch)
    {
        foreach (Metric metric in batch)
        {
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                var line = new StringBuilder("metric ").Append(metric.Name);
                foreach (KeyValuePair<string, object?> tag in point.Tags)
                {
                    line.Append(' ').Append(tag.Key).Append('=').Append(Convert.ToString(tag.Value, CultureInfo.InvariantCulture));
                }

                line.Append(' ').Append(Value(metric.MetricType, point));
                output.WriteLine(line.ToString());
            }
        }

        return ExportResult.Success;
    }

    private static string Value(MetricType type, in MetricPoint point) => type switch
    {
        MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong().ToString(CultureInfo.InvariantCulture),
        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble().ToString(CultureInfo.InvariantCulture),
        MetricType.LongGauge => point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture),
        MetricType.DoubleGauge => point.GetGaugeLastValueDouble().ToString(CultureInfo.InvariantCulture),
        MetricType.Histogram => string.Create(CultureInfo.InvariantCulture, $"count={point.GetHistogramCount()} sum={point.GetHistogramSum()}"),
        _ => type.ToString(),
    };
}
