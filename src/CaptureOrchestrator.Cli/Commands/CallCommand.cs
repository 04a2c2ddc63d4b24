using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CaptureOrchestrator.Core.Notifications;
using CaptureOrchestrator.Server.Sandbox;

namespace CaptureOrchestrator.Cli.Commands;

/// <summary>
/// <c>call [--url BASE] [--wait] METHOD PATH [BODY|@FILE]</c>: one signed request to a running
/// server, as a ticket system sends it (the README's curl helper, without bash and openssl). With
/// <c>--wait</c>, an accepted operation is followed to its end and its Markdown report printed.
/// </summary>
internal static class CallCommand
{
    /// <summary>The variable the server reads its signing key from; the caller signs with the same one.</summary>
    public const string KeyVariable = "CaptureOrchestrator__Api__SigningKey";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var url = new Option<string>("--url") { Description = "The server's base URL", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var wait = new Option<bool>("--wait") { Description = "Follow an accepted operation (202 with statusUrl) until it ends, then print its Markdown report" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds --wait waits at most", DefaultValueFactory = _ => 900 };
        var data = new Option<string>("--data") { Description = $"A sandbox's data folder: without {KeyVariable}, the key serve --sandbox generated there", DefaultValueFactory = _ => ".data" };
        var method = new Argument<string>("method") { Description = "GET, POST or DELETE" };
        var path = new Argument<string>("path") { Description = "Path and query, e.g. /api/captures" };
        var body = new Argument<string?>("body") { Description = "JSON body, or @file to read it from a file", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("call", $"Send one signed request to a running server (key from {KeyVariable})") { url, wait, timeout, data, method, path, body };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string sandboxKey = Path.Combine(parse.GetValue(data)!, SandboxMode.KeyFile);
            string? key = Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } configured ? configured
                : File.Exists(sandboxKey) ? (await File.ReadAllTextAsync(sandboxKey, cancellationToken)).Trim()
                : null;
            if (key is null)
            {
                await stderr.WriteLineAsync($"error: {KeyVariable} is not set (and there is no {sandboxKey} of a sandbox): sign with the key the server was started with");
                return ExitCodes.Usage;
            }

            string? text = parse.GetValue(body);
            if (text is ['@', .. string file])
            {
                if (!File.Exists(file))
                {
                    await stderr.WriteLineAsync($"error: body file '{file}' does not exist");
                    return ExitCodes.Usage;
                }

                text = await File.ReadAllTextAsync(file, cancellationToken);
            }

            if (parse.GetValue(path) is not ['/', ..])
            {
                await stderr.WriteLineAsync($"error: path '{parse.GetValue(path)}' must start with / (it is signed as sent)");
                return ExitCodes.Usage;
            }

            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out Uri? baseUrl))
            {
                await stderr.WriteLineAsync($"error: --url '{parse.GetValue(url)}' is not an absolute URL");
                return ExitCodes.Usage;
            }

            using var client = new SignedClient(baseUrl, Encoding.UTF8.GetBytes(key));
            try
            {
                (int status, string answer) = await client.SendAsync(parse.GetValue(method)!.ToUpperInvariant(), parse.GetValue(path)!, text, cancellationToken);
                await stderr.WriteLineAsync($"HTTP {status}");
                if (!parse.GetValue(wait) || status != 202 || JsonNode.Parse(answer)?["statusUrl"]?.GetValue<string>() is not { } statusUrl)
                {
                    await stdout.WriteLineAsync(answer);
                    return status < 400 ? ExitCodes.Success : ExitCodes.RequestFailed;
                }

                await stderr.WriteLineAsync(answer);
                return await FollowAsync(client, statusUrl, TimeSpan.FromSeconds(parse.GetValue(timeout)), stdout, stderr, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                await stderr.WriteLineAsync($"error: {baseUrl} cannot be reached: {ex.Message}");
                return ExitCodes.RequestFailed;
            }
        });
        return command;
    }

    /// <summary>Polls the operation until it ends; prints the Markdown report (or the final status when there is none).</summary>
    private static async Task<int> FollowAsync(SignedClient client, string statusUrl, TimeSpan timeout, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string? lastPhase = null;
        try
        {
            while (true)
            {
                (int status, string answer) = await client.SendAsync("GET", statusUrl, null, deadline.Token);
                JsonNode? operation = status == 200 ? JsonNode.Parse(answer) : null;
                if (operation is null)
                {
                    await stderr.WriteLineAsync($"HTTP {status} for {statusUrl}");
                    await stdout.WriteLineAsync(answer);
                    return ExitCodes.RequestFailed;
                }

                string runtime = operation["runtimeStatus"]?.GetValue<string>() ?? "Unknown";
                if (runtime is not ("Pending" or "Running"))
                {
                    if (operation["result"]?["report"]?["markdown"]?.GetValue<string>() is { } report)
                    {
                        await stdout.WriteLineAsync(await client.GetLinkAsync(report, deadline.Token));
                        return ExitCodes.Success;
                    }

                    await stdout.WriteLineAsync(answer);
                    return runtime == "Completed" ? ExitCodes.Success : ExitCodes.RequestFailed;
                }

                if (operation["phase"]?.GetValue<string>() is { } phase && phase != lastPhase)
                {
                    await stderr.WriteLineAsync($"{DateTime.Now:HH:mm:ss} {phase}");
                    lastPhase = phase;
                }

                await Task.Delay(TimeSpan.FromSeconds(2), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"error: the operation at {statusUrl} did not end within {timeout.TotalSeconds:0} s (--timeout)");
            return ExitCodes.RequestFailed;
        }
    }

    /// <summary>Requests signed as the server checks them (<see cref="HmacSignature"/>: method, path and query, body).</summary>
    private sealed class SignedClient(Uri baseUrl, byte[] key) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

        public void Dispose() => _http.Dispose();

        public async Task<(int Status, string Body)> SendAsync(string method, string pathAndQuery, string? body, CancellationToken cancellationToken)
        {
            byte[] content = Encoding.UTF8.GetBytes(body ?? string.Empty);
            using var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery);
            request.Headers.Add(HmacSignature.HeaderName, HmacSignature.Create(key, method, request.RequestUri!.OriginalString, content, DateTimeOffset.UtcNow));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            }

            using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }

        /// <summary>A report link (a read SAS: no signature).</summary>
        public Task<string> GetLinkAsync(string link, CancellationToken cancellationToken) => _http.GetStringAsync(new Uri(link), cancellationToken);
    }
}
