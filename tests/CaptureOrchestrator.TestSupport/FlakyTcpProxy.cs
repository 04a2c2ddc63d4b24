using System.Net;
using System.Net.Sockets;

namespace CaptureOrchestrator.TestSupport;

/// <summary>
/// A loopback TCP proxy that can cut one connection after it has carried a given number of bytes
/// towards the client: a real dropped connection, in the middle of a response.
/// </summary>
public sealed class FlakyTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private long _dropAfterBytes = -1;
    private int _drops;

    public FlakyTcpProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Drops => _drops;

    /// <summary>The next connection to carry this many bytes to the client is cut (once).</summary>
    public void DropOnceAfter(long bytes) => Interlocked.Exchange(ref _dropAfterBytes, bytes);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                Task up = PumpAsync(client.GetStream(), server.GetStream(), watch: false, cut);
                Task down = PumpAsync(server.GetStream(), client.GetStream(), watch: true, cut);
                await Task.WhenAny(up, down);
                await cut.CancelAsync();
            }
            catch (Exception)
            {
                // A relay ends when either side goes away; that is the point of this class.
            }

            client.Client.LingerState = new LingerOption(true, 0); // RST, not a graceful close
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool watch, CancellationTokenSource cut)
    {
        byte[] buffer = new byte[64 * 1024];
        long carried = 0;
        while (true)
        {
            int read = await from.ReadAsync(buffer, cut.Token);
            if (read == 0)
            {
                return;
            }

            long limit = Interlocked.Read(ref _dropAfterBytes);
            if (watch && limit >= 0 && carried + read > limit && Interlocked.CompareExchange(ref _dropAfterBytes, -1, limit) == limit)
            {
                await to.WriteAsync(buffer.AsMemory(0, (int)(limit - carried)), cut.Token);
                Interlocked.Increment(ref _drops);
                return; // the relay tears both connections down mid-response
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cut.Token);
            carried += read;
        }
    }
}
