// Mirror of the Azure Functions isolated worker members the adapter uses, as declared in
// Azure/azure-functions-dotnet-worker (src/DotNetWorker.Core: FunctionContext, BindingContext,
// WorkerOptions, FunctionAttribute; src/DotNetWorker/Builder: FunctionsApplication(Builder);
// extensions/Worker.Extensions.Http(.AspNetCore), .Timer, .Storage.Queues: trigger attributes,
// ConfigureFunctionsWebApplication; src/DotNetWorker.OpenTelemetry: UseFunctionsWorkerDefaults)
// and Azure/azure-functions-durable-extension src/Worker.Extensions.DurableTask (trigger and
// client attributes). Signatures only.
#pragma warning disable CA1019, CA1813, CA1018, CA1812, CA1822, CA1052
using Azure.Core.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

namespace Microsoft.Azure.Functions.Worker
{
    public abstract class BindingContext
    {
        public abstract IReadOnlyDictionary<string, object?> BindingData { get; }
    }

    public abstract class FunctionContext
    {
        public abstract BindingContext BindingContext { get; }

        public virtual CancellationToken CancellationToken { get; }
    }

    public class WorkerOptions
    {
        public ObjectSerializer? Serializer { get; set; }
    }

    [AttributeUsage(AttributeTargets.Method)]
    public class FunctionAttribute(string name) : Attribute
    {
        public string Name { get; } = name;
    }

    public enum AuthorizationLevel
    {
        Anonymous,
        User,
        Function,
        System,
        Admin,
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public class HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods) : Attribute
    {
        public AuthorizationLevel AuthLevel { get; } = authLevel;

        public string[] Methods { get; } = methods;

        public string? Route { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public class QueueTriggerAttribute(string queueName) : Attribute
    {
        public string QueueName { get; } = queueName;

        public string? Connection { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public class TimerTriggerAttribute(string schedule) : Attribute
    {
        public string Schedule { get; } = schedule;
    }

    public class TimerInfo;

    [AttributeUsage(AttributeTargets.Parameter)]
    public class ActivityTriggerAttribute : Attribute;

    [AttributeUsage(AttributeTargets.Parameter)]
    public class OrchestrationTriggerAttribute : Attribute;

    [AttributeUsage(AttributeTargets.Parameter)]
    public class DurableClientAttribute : Attribute
    {
        public string? TaskHub { get; set; }
    }
}

namespace Microsoft.Azure.Functions.Worker.Builder
{
    public class FunctionsApplication
    {
        public static FunctionsApplicationBuilder CreateBuilder(string[] args) => throw new NotSupportedException();
    }

    public class FunctionsApplicationBuilder
    {
        public ConfigurationManager Configuration => throw new NotSupportedException();

        public IServiceCollection Services => throw new NotSupportedException();

        public IHost Build() => throw new NotSupportedException();
    }

    public static class FunctionsApplicationBuilderAspNetCoreExtensions
    {
        public static FunctionsApplicationBuilder ConfigureFunctionsWebApplication(this FunctionsApplicationBuilder builder) => builder;
    }
}

namespace Microsoft.Azure.Functions.Worker.OpenTelemetry
{
    public static class ConfigureFunctionsOpenTelemetry
    {
        public static IOpenTelemetryBuilder UseFunctionsWorkerDefaults(this IOpenTelemetryBuilder builder) => builder;
    }
}
