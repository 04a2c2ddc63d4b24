using System.Diagnostics;
using CaptureOrchestrator.Analysis.Engine;

namespace CaptureOrchestrator.Cli.Commands;

/// <summary>A one-line progress display on a terminal, redrawn at most four times a second.</summary>
internal sealed class ConsoleProgress(TextWriter terminal, string name, long totalBytes) : IProgress<CaptureProgress>, IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs = -1000;
    private bool _drawn;

    public void Report(CaptureProgress value)
    {
        long now = _clock.ElapsedMilliseconds;
        if (now - _lastDrawMs < 250)
        {
            return;
        }

        _lastDrawMs = now;
        double percent = totalBytes > 0 ? 100.0 * value.BytesRead / totalBytes : 0;
        double mbps = now > 0 ? value.BytesRead / 1e6 / (now / 1000.0) : 0;
        terminal.Write($"\ranalyzing {name}: {percent,5:0.0}%  {value.Packets:N0} packets  {mbps:0} MB/s ");
        _drawn = true;
    }

    public void Dispose()
    {
        if (_drawn)
        {
            terminal.Write("\r" + new string(' ', 79) + "\r");
        }
    }
}
