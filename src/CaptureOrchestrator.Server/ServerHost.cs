using System.Threading.RateLimiting;
using CaptureOrchestrator.Api.Endpoints;
using CaptureOrchestrator.Api.Hosting;
using CaptureOrchestrator.Api.Http;
using CaptureOrchestrator.Server.LocalStorage;
using CaptureOrchestrator.Server.Sandbox;
using CaptureOrchestrator.Server.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaptureOrchestrator.Server;

/// <summary>The self-hosted server: the HTTP API on the embedded engine.</summary>
public static partial class ServerHost
{
    /// <param name="args">Command-line arguments (--urls, configuration overrides).</param>
    /// <param name="configure">Adds configuration sources (tests).</param>
    /// <param name="sandbox">Answer for Azure in-process with sample captures (<c>serve --sandbox</c>); refused when the configuration reaches real Azure.</param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, bool sandbox = false)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder.Configuration);
        builder.WebHost.UseKestrelHttpsConfiguration(); // https:// in --urls with Kestrel:Certificates:Default (the slim builder leaves it out)
        ServerSettings settings = builder.Configuration.GetSection(ServerSettings.Section).Get<ServerSettings>() ?? new ServerSettings();
        string? sandboxKey = sandbox ? SandboxMode.Apply(settings) : null; // throws, naming each setting that reaches real Azure

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.IncludeScopes = true; // the operation and ticket of every activity's log lines
            console.SingleLine = true;
        });
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(settings.Telemetry);
        builder.Services.AddHostedService<TelemetryExport>(); // first: running before the engine starts work
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new Composition(settings, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(), ServerAddresses.Of(sp.GetRequiredService<IServer>()), sandbox));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Composition>().Engine);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Composition>().Api);
        builder.Services.AddHostedService<EngineHostedService>();
        builder.Services.AddHostedService<SweepScheduler>();
        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/api/health", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetNoLimiter("health")
                    : ApiRateLimit.Partition(ApiRateLimit.CallerOf(http), settings.Api));
            limiter.OnRejected = (context, _) => new ValueTask(ApiRateLimit.TooManyRequests(context.HttpContext, settings.Api).ExecuteAsync(context.HttpContext));
        });

        WebApplication app = builder.Build();
        app.Lifetime.ApplicationStarted.Register(() => WarnAboutUnservedTargets(app.Services));
        if (sandbox)
        {
            // Every answer says it (the API and the report links alike), whatever reads it: a person with curl, a ticket system, a log.
            app.Use((http, next) =>
            {
                http.Response.Headers[SandboxMode.Header] = "simulated";
                return next(http);
            });
            app.Lifetime.ApplicationStarted.Register(() => LogSandbox(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CaptureOrchestrator.Server"), SandboxMode.Notice, sandboxKey!, string.Join(", ", settings.Limits.AllowedScopes)));
        }

        if (settings.Storage.BlobEndpoint is null)
        {
            // Before the API's rate limit and signature: every blob request is authenticated by the store itself.
            app.Map("/" + LocalBlobAccount.NameOf(settings.Storage), blobs => blobs.Run(http => http.RequestServices.GetRequiredService<Composition>().LocalBlobs!.HandleAsync(http)));
        }

        app.UseRateLimiter();
        app.UseMiddleware<RequestSignatureMiddleware>();
        RouteGroupBuilder api = app.MapGroup("/api");
        api.MapGet("/health", IResult (Composition composition, TimeProvider time) =>
            Results.Ok(new { status = "ok", simulated = composition.Sandbox is null ? null : SandboxMode.Notice, engine = composition.Engine.GetStatistics(time.GetUtcNow().UtcDateTime) }));
        CaptureEndpoints.Map(api);
        TriageEndpoints.Map(api);
        FlowTraceEndpoints.Map(api);
        EventGridEndpoints.Map(api);
        AlertEndpoints.Map(api);
        return app;
    }

    /// <summary>Says at start-up which target kinds this server would refuse, and what to set (the same rule refuses the requests).</summary>
    private static void WarnAboutUnservedTargets(IServiceProvider services)
    {
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("CaptureOrchestrator.Server");
        foreach ((Core.Requests.TargetKind kind, string why) in services.GetRequiredService<Composition>().Api.Support.Unserved())
        {
            LogUnserved(logger, kind, why);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Notice} Azure calls are answered in-process; reports say so. Signing key: {KeySource}. Targets allowed under: {Scopes}.")]
    private static partial void LogSandbox(ILogger logger, string notice, string keySource, string scopes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} targets will be refused: {Why}")]
    private static partial void LogUnserved(ILogger logger, Core.Requests.TargetKind kind, string why);
}
