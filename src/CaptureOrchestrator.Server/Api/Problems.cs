using CaptureOrchestrator.Core.Requests;
using Microsoft.AspNetCore.Http;

namespace CaptureOrchestrator.Server.Api;

/// <summary>RFC 9457 problem details, with the fields that are wrong named in "errors".</summary>
internal static class Problems
{
    public static IResult Invalid(IReadOnlyList<FieldError> errors) =>
        Results.ValidationProblem(
            errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            detail: string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")),
            title: "The request is not valid",
            type: "https://captureorchestrator.dev/problems/invalid-request");

    public static IResult Forbidden(IReadOnlyList<FieldError> forbidden) =>
        Results.Problem(
            detail: string.Join("; ", forbidden.Select(e => $"{e.Field}: {e.Message}")),
            statusCode: StatusCodes.Status403Forbidden,
            title: "Target outside the allowed scopes",
            type: "https://captureorchestrator.dev/problems/forbidden-scope",
            extensions: new Dictionary<string, object?> { ["errors"] = forbidden.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()) });

    public static IResult Busy(IReadOnlyList<FieldError> busy) =>
        Results.Problem(
            detail: string.Join("; ", busy.Select(e => $"{e.Field}: {e.Message}")),
            statusCode: StatusCodes.Status409Conflict,
            title: "Target busy",
            type: "https://captureorchestrator.dev/problems/target-busy",
            extensions: new Dictionary<string, object?> { ["errors"] = busy.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()) });

    public static IResult NotFound(string what) =>
        Results.Problem(detail: what, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: "https://captureorchestrator.dev/problems/not-found");

    public static IResult Conflict(string what) =>
        Results.Problem(detail: what, statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: "https://captureorchestrator.dev/problems/conflict");
}
