using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaptureOrchestrator.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace CaptureOrchestrator.Server.Tests;

/// <summary>
/// The README's first screens and the signing examples of docs/server.md, run as written against a
/// server started with the README's own settings: the shell helper through bash, openssl and curl,
/// the Python helper through python3. A change to the signature or the answers that the docs do
/// not follow fails here.
/// </summary>
public sealed partial class ReadmeTests : IAsyncLifetime
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
    private readonly string _data = Path.Combine(Path.GetTempPath(), "co-readme-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private string _base = null!;

    public async Task InitializeAsync()
    {
        // The settings of the README's serve command (CaptureOrchestrator__X__Y='value').
        Dictionary<string, string?> settings = ServeSetting().Matches(Block(Readme, "dotnet run --project src/CaptureOrchestrator.Cli -- serve --urls"))
            .ToDictionary(m => m.Groups["key"].Value.Replace("__", ":", StringComparison.Ordinal), m => (string?)m.Groups["value"].Value.Trim('\''));
        Assert.Contains("CaptureOrchestrator:Api:SigningKey", settings.Keys);
        settings["CaptureOrchestrator:DataFolder"] = _data;
        _app = ServerHost.Build(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(settings));
        await _app.StartAsync();
        _base = InProcessServer.AddressOf(_app).GetLeftPart(UriPartial.Authority);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [ToolFact("bash", "openssl", "curl")]
    public async Task The_readme_shell_helper_signs_calls_the_server_accepts_and_they_answer_as_the_readme_says()
    {
        string block = Block(Readme, "co() {");
        string helper = block[..(block.IndexOf("\n}\n", StringComparison.Ordinal) + 3)];
        string keyLine = block.Split('\n').Single(l => l.StartsWith("BASE=", StringComparison.Ordinal));
        string[] calls = Calls(block);
        string script = $"{helper}\n{keyLine.Replace("http://127.0.0.1:5080", _base, StringComparison.Ordinal)}\n"
            + string.Join("\necho\necho '<<<>>>'\n", calls) + "\n";

        string[] answers = (await RunAsync("bash", "-c", script)).Split("<<<>>>");

        JsonObject missing = JsonNode.Parse(answers[0])!.AsObject();
        Assert.Equal(404, missing["status"]!.GetValue<int>());
        Assert.Contains("no capture operation 'op-0'", missing["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        JsonObject refused = JsonNode.Parse(answers[1])!.AsObject();
        Assert.Equal(400, refused["status"]!.GetValue<int>()); // as the README says: no storage account on this serve
        Assert.Contains("no capture storage account", refused["errors"]!["targets[0].resourceId"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [ToolFact("python3")]
    public async Task The_python_helper_of_the_docs_signs_calls_the_server_accepts()
    {
        string docs = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "server.md"));
        string python = Block(docs, "def co(");

        string output = await RunAsync("python3", "-c", python, environment: [("BASE", _base), ("KEY", "shared secret")]);

        Assert.Matches(@"^\(404, \{.*no capture operation 'op-0'", output.Trim());
    }

    /// <summary>The calls of the block: each "co ..." line with the lines that continue its quoted body, comments removed.</summary>
    private static string[] Calls(string block)
    {
        var calls = new List<string>();
        string[] lines = block.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("co ", StringComparison.Ordinal))
            {
                continue;
            }

            string call = lines[i];
            while (call.Count(c => c == '\'') % 2 == 1)
            {
                call += "\n" + lines[++i];
            }

            calls.Add(Regex.Replace(call, @"\s+#[^'\n]*$", string.Empty));
        }

        return [.. calls];
    }

    /// <summary>The fenced code block of <paramref name="markdown"/> that contains <paramref name="marker"/>.</summary>
    internal static string Block(string markdown, string marker)
    {
        int at = markdown.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no code block with '{marker}'");
        int start = markdown.LastIndexOf("```", at, StringComparison.Ordinal);
        start = markdown.IndexOf('\n', start) + 1;
        return markdown[start..markdown.IndexOf("```", at, StringComparison.Ordinal)].Replace("\r", string.Empty, StringComparison.Ordinal);
    }

    private static async Task<string> RunAsync(string program, string flag, string code, (string Name, string Value)[]? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(code);
        foreach ((string name, string value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}: {errors}");
        return await output;
    }

    [GeneratedRegex(@"(?<key>CaptureOrchestrator__[A-Za-z_0-9]+)=(?<value>'[^']*'|\S+)")]
    private static partial Regex ServeSetting();
}
