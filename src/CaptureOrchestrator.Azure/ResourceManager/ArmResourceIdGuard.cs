using CaptureOrchestrator.Core.Resources;

namespace CaptureOrchestrator.Azure.ResourceManager;

/// <summary>The argument check every ARM client makes: the id is there and of the type the operation acts on.</summary>
internal static class ArmResourceIdGuard
{
    public static void RequireType(ArmResourceId id, string resourceType, string what, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(id, parameterName);
        if (!id.IsOfType(resourceType))
        {
            throw new ArgumentException($"{id} is a {id.ResourceType}, not {what}.", parameterName);
        }
    }
}
