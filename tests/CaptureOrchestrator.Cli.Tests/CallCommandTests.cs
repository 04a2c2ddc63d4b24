using System.Net;
using System.Net.Sockets;

namespace CaptureOrchestrator.Cli.Tests;

/// <summary>
/// call's own refusals and failures: each says what is wrong and exits with its code. (A signed
/// call against a real server, with --wait, is run in Server.Tests' SandboxTests as the README writes it.)
/// </summary>
[Collection(EnvironmentCollection.Name)] // these tests change the process environment
public sealed class CallCommandTests
{
    [Fact]
    public void Without_a_key_it_names_the_variable_and_the_sandbox_file_it_looked_for()
    {
        using var folder = new TempDirectory();
        using var key = new EnvironmentVariable("CaptureOrchestrator__Api__SigningKey", null);

        CliResult result = CliRunner.Run("call", "--data", folder.Path, "GET", "/api/captures/op-1");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("CaptureOrchestrator__Api__SigningKey is not set", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder.Path, "sandbox-signing.key"), result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_must_be_absolute_because_it_is_signed_as_sent()
    {
        using var key = new EnvironmentVariable("CaptureOrchestrator__Api__SigningKey", "k");

        CliResult result = CliRunner.Run("call", "GET", "api/captures");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("must start with /", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_body_file_is_named()
    {
        using var key = new EnvironmentVariable("CaptureOrchestrator__Api__SigningKey", "k");

        CliResult result = CliRunner.Run("call", "POST", "/api/captures", "@no-such-request.json");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("body file 'no-such-request.json' does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_that_is_not_there_is_a_request_failure_naming_the_address()
    {
        using var key = new EnvironmentVariable("CaptureOrchestrator__Api__SigningKey", "k");
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now

        CliResult result = CliRunner.Run("call", "--url", $"http://127.0.0.1:{port}", "GET", "/api/health");

        Assert.Equal(ExitCodes.RequestFailed, result.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port}/ cannot be reached", result.Stderr, StringComparison.Ordinal);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}

/// <summary>Sets an environment variable for the test's lifetime, then restores it.</summary>
internal sealed class EnvironmentVariable : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    public EnvironmentVariable(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}
