using System.Diagnostics.CodeAnalysis;
using System.Text;
using CaptureOrchestrator.Core.Validation;

namespace CaptureOrchestrator.Core.Resources;

/// <summary>
/// A validated Azure Resource Manager resource id:
/// <c>/subscriptions/{guid}/resourceGroups/{group}/providers/{Namespace}/{type}/{name}[/{childType}/{childName}]...</c>,
/// optionally followed by an extension resource on it (<c>.../providers/Microsoft.Insights/diagnosticSettings/{name}</c>).
/// </summary>
/// <remarks>
/// Ids arrive from tickets and callers, and end up in request URLs and KQL: anything that is not
/// exactly an ARM resource id is refused with a message naming the part that is wrong, rather than
/// passed on for Azure to interpret.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(ArmResourceIdJsonConverter))]
public sealed class ArmResourceId : IEquatable<ArmResourceId>
{
    private const int MaxLength = 4096;
    private const int MaxResourceGroupLength = 90;
    private const int MaxNameLength = 260;

    // One entry per type/name pair; an entry whose Extension flag is set starts with '/providers/{Namespace}'.
    private readonly Segment[] _resources;
    private string? _text; // the id as text: equality and hashing use it, so render it once

    private ArmResourceId(Guid subscriptionId, string resourceGroupName, Segment[] resources)
    {
        SubscriptionId = subscriptionId;
        ResourceGroupName = resourceGroupName;
        _resources = resources;
    }

    private readonly record struct Segment(string Namespace, bool Extension, string Type, string Name);

    public Guid SubscriptionId { get; }

    public string ResourceGroupName { get; }

    /// <summary>The provider of the last resource in the id, for example <c>Microsoft.Network</c>.</summary>
    public string ProviderNamespace => _resources[^1].Namespace;

    /// <summary>For an extension resource (a diagnostic setting, say), the resource it extends; otherwise null.</summary>
    public ArmResourceId? ExtendedResource
    {
        get
        {
            int start = Array.FindLastIndex(_resources, r => r.Extension);
            return start <= 0 ? null : new ArmResourceId(SubscriptionId, ResourceGroupName, _resources[..start]);
        }
    }

    /// <summary>The full type of the last resource in the id, for example <c>Microsoft.Network/networkWatchers/packetCaptures</c>.</summary>
    public string ResourceType
    {
        get
        {
            int start = Math.Max(0, Array.FindLastIndex(_resources, r => r.Extension));
            return ProviderNamespace + "/" + string.Join('/', _resources[start..].Select(r => r.Type));
        }
    }

    /// <summary>The name of the last resource in the id.</summary>
    public string Name => _resources[^1].Name;

    /// <summary>The parent resource for a child resource; null for a top-level resource.</summary>
    public ArmResourceId? Parent => _resources.Length == 1
        ? null
        : new ArmResourceId(SubscriptionId, ResourceGroupName, _resources[..^1]);

    public static ArmResourceId Parse(string value) =>
        TryParse(value, out ArmResourceId? id, out string? error) ? id : throw new FormatException(error);

    public static bool TryParse(string? value, [NotNullWhen(true)] out ArmResourceId? id, [NotNullWhen(false)] out string? error)
    {
        id = null;
        error = Validate(value, out Guid subscription, out string? group, out Segment[]? resources);
        if (error is not null)
        {
            return false;
        }

        id = new ArmResourceId(subscription, group!, resources!);
        return true;
    }

    /// <summary>Parses and requires a resource type, for example <c>Microsoft.Compute/virtualMachines</c>.</summary>
    public static ArmResourceId ParseOfType(string value, string expectedType)
    {
        ArmResourceId id = Parse(value);
        return id.IsOfType(expectedType)
            ? id
            : throw new FormatException($"resource id '{Shorten(value)}' is a {id.ResourceType}, expected a {expectedType}");
    }

    /// <summary>Resource types compare case-insensitively, as ARM does.</summary>
    public bool IsOfType(string resourceType) => string.Equals(ResourceType, resourceType, StringComparison.OrdinalIgnoreCase);

    /// <summary>A child resource of this one.</summary>
    public ArmResourceId Child(string type, string name)
    {
        if (CheckType(type) is { } typeError)
        {
            throw new ArgumentException(typeError, nameof(type));
        }

        if (CheckName(name, $"{type} name") is { } nameError)
        {
            throw new ArgumentException(nameError, nameof(name));
        }

        return new ArmResourceId(SubscriptionId, ResourceGroupName, [.. _resources, new Segment(ProviderNamespace, false, type, name)]);
    }

    /// <summary>The id as a URL path, every segment percent-encoded.</summary>
    public string ToUrlPath()
    {
        return Render(Uri.EscapeDataString);
    }

    public override string ToString() => _text ??= Render(name => name);

    private string Render(Func<string, string> encodeName)
    {
        var id = new StringBuilder("/subscriptions/").Append(SubscriptionId.ToString("D"))
            .Append("/resourceGroups/").Append(encodeName(ResourceGroupName));
        for (int i = 0; i < _resources.Length; i++)
        {
            Segment resource = _resources[i];
            if (i == 0 || resource.Extension)
            {
                id.Append("/providers/").Append(resource.Namespace);
            }

            id.Append('/').Append(resource.Type).Append('/').Append(encodeName(resource.Name));
        }

        return id.ToString();
    }

    // ARM compares resource ids case-insensitively.
    public bool Equals(ArmResourceId? other) => other is not null && string.Equals(ToString(), other.ToString(), StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => Equals(obj as ArmResourceId);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(ToString());

    private static string? Validate(string? value, out Guid subscription, out string? group, out Segment[]? resources)
    {
        subscription = default;
        group = null;
        resources = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return "resource id is empty";
        }

        if (value.Length > MaxLength)
        {
            return $"resource id is {value.Length} characters long; at most {MaxLength} are allowed";
        }

        if (value[0] != '/')
        {
            return $"resource id '{Shorten(value)}' must start with '/subscriptions/'";
        }

        string[] segments = value[1..].Split('/');
        if (Array.IndexOf(segments, string.Empty) is int empty and >= 0)
        {
            return $"resource id '{Shorten(value)}' has an empty segment at position {empty + 1} (a doubled or trailing '/')";
        }

        if (segments.Length < 2 || !Keyword(segments[0], "subscriptions"))
        {
            return $"resource id '{Shorten(value)}' must start with '/subscriptions/{{subscription id}}'";
        }

        if (!Guid.TryParseExact(segments[1], "D", out subscription))
        {
            return $"resource id '{Shorten(value)}': subscription id '{Shorten(segments[1])}' is not a GUID";
        }

        if (segments.Length < 4 || !Keyword(segments[2], "resourceGroups"))
        {
            return $"resource id '{Shorten(value)}' must continue with '/resourceGroups/{{name}}' after the subscription";
        }

        group = segments[3];
        if (CheckResourceGroup(group) is { } groupError)
        {
            return $"resource id '{Shorten(value)}': {groupError}";
        }

        if (segments.Length == 4)
        {
            return $"resource id '{Shorten(value)}' names a resource group, not a resource: '/providers/{{namespace}}/{{type}}/{{name}}' is missing";
        }

        if (!Keyword(segments[4], "providers"))
        {
            return $"resource id '{Shorten(value)}' must continue with '/providers/' after the resource group, not '{Shorten(segments[4])}'";
        }

        var parsed = new List<Segment>();
        string provider = "";
        bool extension = false;
        for (int i = 4; i < segments.Length; i += 2)
        {
            if (Keyword(segments[i], "providers"))
            {
                if (i + 3 >= segments.Length)
                {
                    return $"resource id '{Shorten(value)}' must have '/providers/{{namespace}}' followed by a type and a name";
                }

                provider = segments[i + 1];
                if (CheckProvider(provider) is { } providerError)
                {
                    return $"resource id '{Shorten(value)}': {providerError}";
                }

                extension = parsed.Count > 0;
                i += 2;
            }

            if (i + 1 >= segments.Length)
            {
                return $"resource id '{Shorten(value)}' ends with the type '{Shorten(segments[i])}' but no name";
            }

            string type = segments[i];
            string name = segments[i + 1];
            if ((CheckType(type) ?? CheckName(name, $"{type} name")) is { } partError)
            {
                return $"resource id '{Shorten(value)}': {partError}";
            }

            parsed.Add(new Segment(provider, extension, type, name));
            extension = false;
        }

        resources = [.. parsed];
        return null;
    }

    private static bool Keyword(string segment, string keyword) => string.Equals(segment, keyword, StringComparison.OrdinalIgnoreCase);

    private static string? CheckResourceGroup(string name)
    {
        // ARM: 1-90 characters; letters, digits, underscores, hyphens, periods and parentheses; not ending in a period.
        if (name.Length > MaxResourceGroupLength)
        {
            return $"resource group name is {name.Length} characters long; at most {MaxResourceGroupLength} are allowed";
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or '(' or ')'))
            {
                return $"resource group name '{Shorten(name)}' contains '{Printable(c)}'; only letters, digits, '_', '-', '.', '(' and ')' are allowed";
            }
        }

        return name.EndsWith('.') ? $"resource group name '{Shorten(name)}' must not end with '.'" : null;
    }

    private static string? CheckProvider(string provider)
    {
        // Namespaces are dotted identifiers such as Microsoft.Network.
        string[] parts = provider.Split('.');
        return parts.Length >= 2 && parts.All(IsIdentifier)
            ? null
            : $"provider namespace '{Shorten(provider)}' is not of the form 'Company.Service'";
    }

    private static string? CheckType(string type) =>
        IsIdentifier(type) ? null : $"resource type '{Shorten(type)}' may contain only ASCII letters and digits";

    private static bool IsIdentifier(string part) => part.Length is > 0 and <= 128 && part.All(char.IsAsciiLetterOrDigit);

    private static string? CheckName(string name, string what)
    {
        if (name.Length > MaxNameLength)
        {
            return $"{what} is {name.Length} characters long; at most {MaxNameLength} are allowed";
        }

        foreach (char c in name)
        {
            // Characters ARM rejects in names, and those that would change the meaning of a URL or a query.
            if (InputText.IsInvisible(c) || c is '/' or '\\' or '?' or '#' or '%' or '&' or '<' or '>' or '*' or ':' or '"' or '\'' or '|' or '+' or ' ')
            {
                return $"{what} '{Shorten(name)}' contains '{Printable(c)}', which is not allowed in a resource name";
            }
        }

        return name.EndsWith('.') ? $"{what} '{Shorten(name)}' must not end with '.'" : null;
    }

    private static string Printable(char c) => InputText.IsInvisible(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : c.ToString();

    private static string Shorten(string text) => InputText.Quote(text, 200);
}
