using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using CaptureOrchestrator.Core.Workflows;
using CaptureOrchestrator.Functions.Tests.Engines;
using CaptureOrchestrator.Functions.Tests.Parity;
using CaptureOrchestrator.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CaptureOrchestrator.Functions.Tests.Host;

/// <summary>
/// The Functions app's HTTP triggers, called as the Functions host calls them: the request routed by
/// the generated metadata (route template and method), the function class created from the app's own
/// composition, route values and the durable client bound to the method's parameters, the result
/// executed against the request's HttpContext. The durable client is Durable Task's, over the
/// in-process backend, running the product workflows with scripted activities.
/// What is not here: the Functions runtime's HTTP proxying and function keys (the host checks keys
/// before the worker sees a request).
/// </summary>
public sealed class FunctionsApiHost : IApiHost, IAsyncDisposable
{
    private readonly IHost _app;
    private readonly DurableTaskEngine _durable;

    private FunctionsApiHost(IHost app, DurableTaskEngine durable)
    {
        _app = app;
        _durable = durable;
    }

    public static async Task<FunctionsApiHost> StartAsync(params string[] settings)
    {
        var durable = (DurableTaskEngine)await DurableTaskEngine.StartAsync(new EngineSetup(ProductWorkflows.All, CaptureCases.Healthy, new CallLog()));
        string[] arguments = FunctionsAppTests.AzureLikeArguments([.. ApiRequestCases.Settings.Select(s => $"--{s.Key}={s.Value}"), .. settings]);
        return new FunctionsApiHost(FunctionsHost.CreateBuilder(arguments).Build(), durable);
    }

    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, byte[] body, string? signature)
    {
        (FunctionEntry function, Dictionary<string, string> routeValues) = Route(method, path);
        var http = new DefaultHttpContext { RequestServices = _app.Services };
        http.Request.Method = method.Method;
        http.Request.Path = path;
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = body.Length;
        http.Request.ContentType = "application/json";
        if (signature is not null)
        {
            http.Request.Headers[Core.Notifications.HmacSignature.HeaderName] = signature;
        }

        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        var responseBody = new MemoryStream();
        http.Response.Body = responseBody;

        MethodInfo entry = EntryPoint(function);
        object? target = entry.IsStatic ? null : ActivatorUtilities.CreateInstance(_app.Services, entry.DeclaringType!);
        object?[] arguments = entry.GetParameters().Select(p =>
            p.ParameterType == typeof(HttpRequest) ? http.Request
            : p.ParameterType == typeof(DurableTaskClient) ? _durable.DurableClient
            : (object?)routeValues[p.Name!]).ToArray();
        object? returned = entry.Invoke(target, arguments);
        IActionResult result = returned is Task<IActionResult> pending ? await pending : (IActionResult)returned!;
        await result.ExecuteResultAsync(new ActionContext(http, new RouteData(), new ActionDescriptor()));

        return new ApiAnswer((HttpStatusCode)http.Response.StatusCode, http.Response.ContentType, System.Text.Encoding.UTF8.GetString(responseBody.ToArray()), http.Response.Headers.RetryAfter.ToString() is { Length: > 0 } retry ? retry : null);
    }

    public async Task<bool> StartedAnythingAsync()
    {
        await foreach (WorkflowMetadata _ in _durable.Client.GetAllInstancesAsync())
        {
            return true;
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _app.Dispose();
        await _durable.DisposeAsync();
    }

    private static (FunctionEntry Function, Dictionary<string, string> RouteValues) Route(HttpMethod method, string path)
    {
        string relative = path.StartsWith("/api/", StringComparison.Ordinal) ? path["/api/".Length..] : throw new ArgumentException($"{path} is not under /api/", nameof(path));
        foreach (FunctionEntry function in FunctionsMetadata.All.Where(f => f.TriggerType == "httpTrigger" && f.Methods.Contains(method.Method)))
        {
            Match match = Regex.Match(relative, "^" + Regex.Replace(Regex.Escape(function.Route!), @"\\\{(\w+)}", "(?<$1>[^/]+)") + "$");
            if (match.Success)
            {
                return (function, match.Groups.Keys.Where(k => !int.TryParse(k, out _)).ToDictionary(k => k, k => match.Groups[k].Value));
            }
        }

        throw new InvalidOperationException($"no HTTP trigger answers {method} {path}");
    }

    private static MethodInfo EntryPoint(FunctionEntry function)
    {
        int dot = function.EntryPoint.LastIndexOf('.');
        Type type = typeof(FunctionsHost).Assembly.GetType(function.EntryPoint[..dot], throwOnError: true)!;
        return type.GetMethod(function.EntryPoint[(dot + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)!;
    }
}
