using System.Security.Cryptography;
using System.Text;
using CaptureOrchestrator.Api.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CaptureOrchestrator.Api.Http;

/// <summary>
/// Who may post alerts. Every mechanism that is configured must pass, and at least one must be:
/// the URL key (self-hosted, as a Functions key), the Entra token of an action group's secure
/// webhook (issuer = the tenant, audience = our app, signature against the tenant's published
/// keys, lifetime, the webhook app role), or, on Azure Functions, the function key the host checked.
/// The token is validated by Microsoft.IdentityModel, the library ASP.NET Core's JWT bearer uses:
/// metadata and key rotation (a token signed with a key not yet seen refreshes the keys once).
/// </summary>
public sealed class AlertAuthentication
{
    private readonly AlertSettings _settings;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly JsonWebTokenHandler _tokens = new() { MapInboundClaims = false };

    public AlertAuthentication(AlertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        if (settings.Entra.Configured)
        {
            Uri metadata = settings.Entra.MetadataAddress ?? new Uri($"https://login.microsoftonline.com/{settings.Entra.TenantId}/v2.0/.well-known/openid-configuration");
            var http = new HttpClient(SharedComposition.PinnedHandler(settings.Entra.TrustedCertificateThumbprint)) { Timeout = TimeSpan.FromSeconds(30) };
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(metadata.AbsoluteUri, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever(http) { RequireHttps = true });
        }
    }

    /// <summary>Null when the caller may post alerts; else why not (for the 401, naming what to fix).</summary>
    /// <param name="request">The request.</param>
    /// <param name="hostCheckedKey">The host verified a key before the request got here (Azure Functions' function key).</param>
    /// <param name="cancellationToken">The request's token.</param>
    public async Task<string?> RefusalAsync(HttpRequest request, bool hostCheckedKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool any = hostCheckedKey;
        if (_settings.Key is { Length: > 0 } key)
        {
            any = true;
            string? code = request.Query["code"];
            if (code is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(code)))
            {
                return code is null ? "the alert key is missing: the webhook URL carries it as ?code=" : "the alert key (?code=) does not match CaptureOrchestrator:Alerts:Key";
            }
        }

        if (_metadata is not null)
        {
            any = true;
            string? authorization = request.Headers.Authorization;
            if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return "a Microsoft Entra bearer token is required: turn on \"Enable the secure webhook\" on the action group";
            }

            if (await TokenRefusalAsync(authorization["Bearer ".Length..].Trim(), cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return refusal;
            }
        }

        return any ? null : "alerts are not accepted: configure CaptureOrchestrator:Alerts:Key (a key in the webhook URL) or CaptureOrchestrator:Alerts:Entra (the secure webhook's token)";
    }

    private async Task<string?> TokenRefusalAsync(string token, CancellationToken cancellationToken)
    {
        EntraWebhookSettings entra = _settings.Entra;
        OpenIdConnectConfiguration? stale = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            OpenIdConnectConfiguration configuration;
            try
            {
                configuration = await FreshConfigurationAsync(stale, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                return $"the tenant's signing keys could not be read: {ex.Message}";
            }

            var parameters = new TokenValidationParameters
            {
                // v2.0 tokens carry the metadata's issuer; v1.0 tokens (the default for an app registration) the sts.windows.net one.
                ValidIssuers = [configuration.Issuer, $"https://sts.windows.net/{entra.TenantId}/"],
                ValidAudiences = [entra.Audience],
                IssuerSigningKeys = configuration.SigningKeys,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromMinutes(2),
                RequireSignedTokens = true,
                RequireExpirationTime = true,
            };
            TokenValidationResult result = await _tokens.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
            if (result.IsValid)
            {
                return result.Claims.TryGetValue("roles", out object? roles) && HasRole(roles, entra.Role)
                    ? null
                    : $"the token does not carry the app role '{entra.Role}' (assign it to Azure Monitor's \"AzNS AAD Webhook\" service principal)";
            }

            if (result.Exception is SecurityTokenSignatureKeyNotFoundException && attempt == 0)
            {
                _metadata!.RequestRefresh(); // the tenant may have rolled its keys (the manager limits how often this refetches)
                stale = configuration;
                continue;
            }

            return "the bearer token is not valid: " + Describe(result.Exception);
        }

        return "the bearer token is signed with a key the tenant does not publish";
    }

    /// <summary>
    /// The current metadata; after a refresh was requested, waits up to a second for it to arrive
    /// (the manager refetches in the background and hands out the old metadata meanwhile).
    /// </summary>
    private async Task<OpenIdConnectConfiguration> FreshConfigurationAsync(OpenIdConnectConfiguration? stale, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration = await _metadata!.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        for (int wait = 0; wait < 10 && ReferenceEquals(configuration, stale); wait++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            configuration = await _metadata.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }

        return configuration;
    }

    private static bool HasRole(object roles, string role) => roles switch
    {
        string one => one == role,
        IEnumerable<object> many => many.Any(r => r as string == role),
        _ => false,
    };

    /// <summary>What is wrong with a token, without echoing it.</summary>
    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "it has expired",
        SecurityTokenNotYetValidException => "it is not valid yet",
        SecurityTokenInvalidAudienceException => "its audience is not CaptureOrchestrator:Alerts:Entra:Audience",
        SecurityTokenInvalidIssuerException => "its issuer is not the configured tenant",
        SecurityTokenSignatureKeyNotFoundException => "it is signed with a key the tenant does not publish",
        SecurityTokenInvalidSignatureException => "its signature does not verify",
        SecurityTokenMalformedException => "it is not a JWT",
        _ => error?.GetType().Name ?? "unknown reason",
    };
}
