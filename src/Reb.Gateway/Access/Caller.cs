using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Reb.Abstractions.Contracts;

namespace Reb.Gateway.Access;

/// <summary>The authenticated key behind a request.</summary>
public sealed record Caller(string KeyId, string Name, string Site, string Role)
{
    public const string KeyIdClaim = "reb:key-id";
    public const string SiteClaim = "reb:site";

    public AuditActor ToActor() => new(KeyId, Name, Site, Role);

    public ClaimsPrincipal ToPrincipal(string scheme) => new(new ClaimsIdentity(
    [
        new Claim(KeyIdClaim, KeyId), new Claim(ClaimTypes.Name, Name), new Claim(SiteClaim, Site),
        new Claim(ClaimTypes.Role, Role),
    ], scheme));

    /// <summary>The caller of an authenticated request (endpoints behind a role policy always have one).</summary>
    public static Caller From(HttpContext context)
    {
        var u = context.User;
        var id = u.FindFirstValue(KeyIdClaim)
            ?? throw new InvalidOperationException("request is not authenticated with an API key");
        return new Caller(id, u.FindFirstValue(ClaimTypes.Name) ?? id, u.FindFirstValue(SiteClaim) ?? "",
            u.FindFirstValue(ClaimTypes.Role) ?? "");
    }
}
