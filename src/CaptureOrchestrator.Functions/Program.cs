using CaptureOrchestrator.Functions;
using Microsoft.Extensions.Hosting;

FunctionsHost.CreateBuilder(args).Build().Run();
