using CaptureOrchestrator.Core.Requests;
using Microsoft.AspNetCore.Http;

namespace CaptureOrchestrator.Api.Http;

/// <summary>RFC 9457 problem details, with the fields that are wrong named in "errors".</summary>
internal static class Problems
{
    /// <summary>Why a validated request is refused — 400 for wrong fields first, then 403 for targets outside the scopes — or null when it may go ahead.</summary>
    public static IResult? Refusal<T>(Validated<T> validated)
        where T : class =>
        validated.Errors.Count > 0 ? Invalid(validated.Errors)
        : validated.Forbidden.Count > 0 ? Forbidden(validated.Forbidden)
        : null;

    public static IResult Invalid(IReadOnlyList<FieldError> errors) =>
        Results.ValidationProblem(ByField(errors), detail: Detail(errors), title: "The request is not valid", type: "https://captureorchestrator.dev/problems/invalid-request");

    public static IResult Forbidden(IReadOnlyList<FieldError> forbidden) =>
        FieldProblem(forbidden, StatusCodes.Status403Forbidden, "Target outside the allowed scopes", "https://captureorchestrator.dev/problems/forbidden-scope");

    public static IResult Busy(IReadOnlyList<FieldError> busy) =>
        FieldProblem(busy, StatusCodes.Status409Conflict, "Target busy", "https://captureorchestrator.dev/problems/target-busy");

    public static IResult NotFound(string what) =>
        Results.Problem(detail: what, statusCode: StatusCodes.Status404NotFound, title: "Not found", type: "https://captureorchestrator.dev/problems/not-found");

    public static IResult Conflict(string what) =>
        Results.Problem(detail: what, statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: "https://captureorchestrator.dev/problems/conflict");

    private static IResult FieldProblem(IReadOnlyList<FieldError> errors, int status, string title, string type) =>
        Results.Problem(detail: Detail(errors), statusCode: status, title: title, type: type, extensions: new Dictionary<string, object?> { ["errors"] = ByField(errors) });

    private static Dictionary<string, string[]> ByField(IReadOnlyList<FieldError> errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());

    private static string Detail(IReadOnlyList<FieldError> errors) => string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"));
}
