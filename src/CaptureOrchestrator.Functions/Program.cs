using Azure.Core.Serialization;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions;
using CaptureOrchestrator.Server;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The Azure Functions host: the same settings section, clients, workflows, activities and HTTP
// endpoint code as the embedded server, with Durable Task in place of the embedded engine.
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();

// One JSON convention on both hosts: Durable Task serializes inputs, outputs, events and custom
// status through the worker's serializer, so histories and status documents look alike.
builder.Services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(WorkflowSerializer.Options));

ServerSettings settings = builder.Configuration.GetSection(ServerSettings.Section).Get<ServerSettings>() ?? new ServerSettings();
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(sp => Composition.CreateServices(settings, sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, new UnboundWorkflowClient()));
builder.Services.AddSingleton<ActivityHost>();
builder.Services.AddSingleton<ApiGate>();

builder.Build().Run();
