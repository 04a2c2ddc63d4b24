using System.CommandLine;
using CaptureOrchestrator.Cli.Commands;

namespace CaptureOrchestrator.Cli;

/// <summary>Builds the command tree; separate from Program so tests run it in-process.</summary>
public static class CliApplication
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool stderrIsTerminal = false)
    {
        var root = new RootCommand("CaptureOrchestrator: packet-capture orchestration and analysis for Azure network troubleshooting.")
        {
            AnalyzeCommand.Create(stdout, stderr, stderrIsTerminal),
            GenerateCommand.Create(stdout, stderr),
            ServeCommand.Create(),
        };

        ParseResult parse = root.Parse(args);
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
