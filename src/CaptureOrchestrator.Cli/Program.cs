using CaptureOrchestrator.Cli;

return CliApplication.Run(args, Console.Out, Console.Error, stderrIsTerminal: !Console.IsErrorRedirected);
