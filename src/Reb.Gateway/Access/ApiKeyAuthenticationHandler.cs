using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Reb.Gateway.Access;

/// <summary>
/// Authenticates "X-Api-Key: &lt;key&gt;" or "Authorization: ApiKey &lt;key&gt;". No key: no result (401 where a role
/// is required); a wrong key: failure (401). Challenge/forbid bodies are written as problem details by the status-code
/// pages. </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyService keys,
    FailedAuthLimiter failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey();
        if (presented is null) return AuthenticateResult.NoResult();
        // The key lookup is a grain call (every few seconds per key, see ApiKeyService.CacheTime): bounded like the
        // inspect's own cluster calls, so a key-store grain on a silo that froze refuses with 503 + Retry-After instead
        // of holding every request of that key until Orleans' response timeout.
        var options =
            Context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value;
        var caller =
            await Reb.Gateway.Errors.ClusterDeadline.RunAsync(Reb.Gateway.Errors.ClusterDeadline.Inspect(options),
            t => keys.AuthenticateAsync(presented, t), Context.RequestAborted);
        if (caller is null)
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "bad-key"));
            failures.RecordFailure(Context);
            return AuthenticateResult.Fail("unknown or revoked API key");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(SchemeName), SchemeName));
    }

    /// <summary>True when the request carries a key in either form (an authentication attempt).</summary>
    public static bool PresentsKey(Microsoft.AspNetCore.Http.HttpRequest request) => PresentedKey(request) is not null;

    private string? PresentedKey() => PresentedKey(Request);

    /// <summary>The key the request presents in either form; null when none.</summary>
    public static string? PresentedKey(Microsoft.AspNetCore.Http.HttpRequest Request)
    {
        var header = Request.Headers[HeaderName].ToString();
        if (!string.IsNullOrWhiteSpace(header)) return header;
        var auth = Request.Headers.Authorization.ToString();
        return auth.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase)
            ? auth[(SchemeName.Length + 1)..].Trim() : null;
    }
}
