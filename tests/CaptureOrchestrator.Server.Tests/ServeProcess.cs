using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The real `capture-orchestrator serve` as a child process, configured through the environment as
/// an operator would, its console read line by line; killed with SIGKILL, as a crash or an OOM kill.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    /// <summary>The CLI as built beside the tests.</summary>
    public static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "capture-orchestrator.dll");
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waiters = [];

    private ServeProcess(Process process) => _process = process;

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Starts serve listening on <paramref name="urls"/>, with each setting as a CaptureOrchestrator__… environment variable.</summary>
    /// <param name="urls">Where it listens.</param>
    /// <param name="settings">Its configuration.</param>
    /// <param name="arguments">More arguments of serve (--sandbox).</param>
    /// <param name="workingDirectory">Where it runs (its default data folder .data is there); the test's own by default.</param>
    public static ServeProcess Start(string urls, IReadOnlyDictionary<string, string?> settings, IReadOnlyList<string>? arguments = null, string? workingDirectory = null)
    {
        Assert.True(File.Exists(Cli), $"{Cli} is missing: the test project references the CLI so that it is built beside the tests");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? string.Empty };
        foreach (string argument in (string[])[Cli, "serve", "--urls", urls, .. arguments ?? []])
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string key, string? value) in settings.Where(s => s.Key != "urls"))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Information";
        var serve = new ServeProcess(Process.Start(start)!);
        serve._process.OutputDataReceived += (_, e) => serve.Read(e.Data);
        serve._process.ErrorDataReceived += (_, e) => serve.Read(e.Data);
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        return serve;
    }

    /// <summary>A free port on loopback (to listen on the same address after a restart).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until /api/health answers.</summary>
    public async Task WaitUntilServingAsync(Uri server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(_process.HasExited, "serve exited at start:\n" + string.Join('\n', _lines));
            try
            {
                if ((await http.GetAsync(new Uri(server, "/api/health"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Assert.True(DateTime.UtcNow < giveUp, "serve did not answer /api/health within a minute:\n" + string.Join('\n', _lines));
            await Task.Delay(100);
        }
    }

    /// <summary>Completes when serve prints a line that matches (or has printed one already).</summary>
    public Task WaitForLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_lines.Any(match))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((match, seen));
        }

        return seen.Task;
    }

    /// <summary>SIGKILL: no shutdown, nothing flushed; the process is gone when this returns.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            _lines.Enqueue(line);
            foreach ((Func<string, bool> match, TaskCompletionSource seen) in _waiters.Where(w => w.Match(line)).ToArray())
            {
                seen.TrySetResult();
                _waiters.RemoveAll(w => w.Seen == seen);
            }
        }
    }
}
