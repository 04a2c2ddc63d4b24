using Azure.Core;

namespace CaptureOrchestrator.Azure.Pipeline;

/// <summary>
/// A credential that always presents the same bearer token. For ARM-compatible test endpoints and
/// emulators only; in Azure the product uses managed identity through DefaultAzureCredential.
/// </summary>
public sealed class StaticTokenCredential : TokenCredential
{
    private readonly AccessToken _token;

    public StaticTokenCredential(string token, DateTimeOffset? expiresOn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = new AccessToken(token, expiresOn ?? DateTimeOffset.MaxValue);
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => _token;

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(_token);
}
