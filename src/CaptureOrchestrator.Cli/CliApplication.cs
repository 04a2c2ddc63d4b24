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
            CallCommand.Create(stdout, stderr),
        };

        // "@file" is call's way to give a body from a file, not a response file of extra arguments.
        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
