using Azure.Core.Serialization;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace CaptureOrchestrator.Functions;

/// <summary>
/// The Azure Functions host's composition: the same settings section, clients, workflows, activities
/// and HTTP endpoint code as the embedded server, with Durable Task in place of the embedded engine.
/// Program.cs builds and runs it; the tests build it and resolve every function class from it.
/// </summary>
public static class FunctionsHost
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args)
    {
        FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();

        // One JSON convention on both hosts: Durable Task serializes inputs, outputs, events and custom
        // status through the worker's serializer, so histories and status documents look alike.
        builder.Services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(WorkflowSerializer.Options));

        ServerSettings settings = builder.Configuration.GetSection(ServerSettings.Section).Get<ServerSettings>() ?? new ServerSettings();

        // Traces, metrics and logs go to Application Insights through OpenTelemetry (host.json sets
        // telemetryMode to match). Local authentication is off on the component: the app's identity signs in.
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .UseAzureMonitorExporter(monitor =>
            {
                monitor.Credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = settings.Arm.ManagedIdentityClientId });
                monitor.TracesPerSecond = null; // a few operations an hour: keep every trace
                monitor.SamplingRatio = 1.0F;
            })
            .WithTracing(tracing => tracing.AddSource(HostTelemetry.Sources))
            .WithMetrics(metrics => metrics.AddMeter(HostTelemetry.Meters));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => SharedComposition.CreateServices(settings, sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, new InvocationWorkflowClient()));
        builder.Services.AddSingleton<ActivityHost>();
        builder.Services.AddSingleton<ApiGate>();
        return builder;
    }
}
