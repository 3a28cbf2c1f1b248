using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>Test-only routes added to the fixture's gateway (never part of the product).</summary>
public static class ExtraEndpoints
{
    /// <summary>Throws an exception whose message and stack must never reach the client.</summary>
    public const string Throw = "/test/throw";
    public const string SecretText = "internal-secret-detail";

    public static void Register(IHost host)
    {
        if (host is not WebApplication app) return;
        app.MapGet(Throw, (HttpContext _) => ThrowUnexpected()).AllowAnonymous();
    }

    private static IResult ThrowUnexpected()
        => throw new InvalidOperationException($"{SecretText}: something internal broke");
}
