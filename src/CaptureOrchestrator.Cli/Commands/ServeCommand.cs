using System.CommandLine;
using CaptureOrchestrator.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace CaptureOrchestrator.Cli.Commands;

/// <summary>
/// <c>serve [--urls URL] [--data FOLDER]</c>: the HTTP API on the embedded engine. Everything else
/// comes from configuration (appsettings.json next to the binary, or CaptureOrchestrator__* environment variables).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var data = new Option<string?>("--data") { Description = "Folder for the workflow database (default: .data)" };
        var sandbox = new Option<bool>("--sandbox")
        {
            Description = "No Azure subscription: answer the Azure calls in-process with sample captures (every report says SIMULATED); refused when an ARM endpoint or storage account is configured",
        };
        var command = new Command("serve", "Run the HTTP API for ticket systems on the embedded workflow engine") { urls, data, sandbox };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = new List<string> { "--urls", parse.GetValue(urls)! };
            if (parse.GetValue(data) is { } folder)
            {
                args.AddRange(["--CaptureOrchestrator:DataFolder", folder]);
            }

            WebApplication app;
            try
            {
                app = ServerHost.Build([.. args], sandbox: parse.GetValue(sandbox));
            }
            catch (InvalidOperationException ex) when (parse.GetValue(sandbox))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message);
                return ExitCodes.Usage;
            }

            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}
