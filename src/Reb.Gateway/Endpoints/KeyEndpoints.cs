using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;

namespace Reb.Gateway.Endpoints;

/// <summary>Who am I, and (admin) the site's API keys.</summary>
public static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", Me).RequireAuthorization(Roles.Operator)
            .WithName("Me").WithSummary("The key's id, name, site and role (sign-in check)").Produces<MeView>();
        api.MapGet("/keys", List).RequireAuthorization(Roles.Admin)
            .WithName("ListKeys").WithSummary("API keys of the admin's site (no secrets)").Produces<KeyView[]>();
        api.MapPost("/keys", Create).RequireAuthorization(Roles.Admin)
            .WithName("CreateKey").WithSummary("Create a key {name, role}; the key text is returned once")
            .Produces<CreatedKey>(201);
        api.MapDelete("/keys/{id}", Revoke).RequireAuthorization(Roles.Admin)
            .WithName("RevokeKey").WithSummary("Revoke a key of the admin's site").Produces(204);
        api.MapGet("/keys/audit", Audit).RequireAuthorization(Roles.Admin)
            .WithName("KeyAudit").WithSummary("Key creations and revocations of the admin's site, newest first")
            .Produces<Reb.Abstractions.Contracts.AuditEntry[]>();
    }

    private static IResult Me(HttpContext http)
    {
        var c = Caller.From(http);
        return Results.Ok(new MeView(c.KeyId, c.Name, c.Site, c.Role));
    }

    private static async Task<IResult> List(HttpContext http, ApiKeyService keys, CancellationToken ct)
    {
        var c = Caller.From(http);
        var list = await keys.ListAsync(c.Site, ct);
        return Results.Ok(list.Select(k => new KeyView(k.Id, k.Name, k.Site, k.Role, k.CreatedUtc, k.CreatedBy,
            !keys.IsTrusted(k))).ToList());
    }

    private static async Task<IResult> Create(CreateKeyRequest body, HttpContext http, ApiKeyService keys,
        CancellationToken ct)
    {
        var c = Caller.From(http);
        if (string.IsNullOrWhiteSpace(body?.Name) || !Roles.IsValid(body.Role))
            throw GatewayProblem.BadRequest(
                $"send {{\"name\": \"...\", \"role\": one of {string.Join(", ", Roles.All)}}}");
        var (record, key) = await keys.CreateAsync(body.Name, c.Site, body.Role!, $"{c.Name} ({c.KeyId})", ct);
        return Results.Created($"/api/keys/{record.Id}",
            new CreatedKey(record.Id, key, record.Name, record.Site, record.Role));
    }

    private static async Task<IResult> Revoke(string id, HttpContext http, ApiKeyService keys, CancellationToken ct)
    {
        var c = Caller.From(http);
        return await keys.RevokeAsync(id, c.Site, c.ToActor(), ct) ? Results.NoContent()
            : throw GatewayProblem.NotFound($"key '{id}' not found");
    }

    private static async Task<IResult> Audit(int? take, HttpContext http, ApiKeyService keys, CancellationToken ct) =>
        Results.Ok(await keys.AuditAsync(Caller.From(http).Site, Math.Clamp(take ?? 100, 1, 1000), ct));
}
