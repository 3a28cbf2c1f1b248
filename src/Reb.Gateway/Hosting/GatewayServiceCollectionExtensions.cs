using Reb.Gateway;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Client;
using Reb.Gateway.Access;
using Reb.Gateway.Endpoints;
using Reb.Gateway.Errors;
using Reb.Gateway.Lines;
using Reb.Gateway.Static;
using Reb.Gateway.Telemetry;

namespace Reb.Gateway.Hosting;

/// <summary>Registers and maps the gateway in a host that also runs (or is a client of) the Orleans cluster.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Options ("Reb:Gateway"), API-key authentication and role policies, the per-key rate limiter, problem details,
    /// body limits, OpenAPI and the gateway's services. Needs an <see cref="IGrainFactory"/> (the co-hosted silo's)
    /// and, for training uploads and readiness, the silo's <see cref="Reb.Storage.IArtefactStore"/>.
    /// </summary>
    public static IServiceCollection AddRebGateway(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(GatewayOptions.Section);
        var gateway = section.Get<GatewayOptions>() ?? new GatewayOptions();
        services.AddOptions<GatewayOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(sp => new RebClusterClient(sp.GetRequiredService<IGrainFactory>()));
        services.AddSingleton<ApiKeyService>();
        services.AddHostedService<KeyRecordSigningMigration>();
        services.AddSingleton<LineService>();
        services.AddSingleton<InspectionService>();
        services.AddOptions<Verdicts.VerdictOptions>().Bind(configuration.GetSection(Verdicts.VerdictOptions.Section));
        services.AddSingleton<Verdicts.VerdictPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<Verdicts.VerdictPublisher>());
        services.AddSingleton<ReviewService>();
        services.AddSingleton<ScoreService>();
        services.AddSingleton<Lines.DriftMetrics>();
        services.AddHostedService<DriftMonitor>();
        services.AddSingleton<FailedAuthLimiter>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddSingleton<ConcurrencyGates>();
        services.AddSingleton<Publishing.PublishTempSpace>();
        services.AddSingleton<Training.TrainingStreams>();
        services.AddSingleton<Training.TrainingAreas>();
        services.AddSingleton<Training.UploadRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<Training.UploadRetention>());

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName,
                null);
        services.AddAuthorization(o =>
        {
            foreach (var role in Roles.All)
            {
                int needed = Roles.Rank(role);
                o.AddPolicy(Roles.AtLeast(role), p => p.RequireAuthenticatedUser()
                    .RequireAssertion(ctx
                        => Roles.Rank(ctx.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value) >= needed));
            }
            OperationsAccess.AddPolicies(o, gateway);
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IServiceProvider>((o, sp) => RateLimiting.Configure(o, gateway,
                sp.GetRequiredService<KeyRateLimiter>));
        services.AddRebRequestTimeouts(gateway);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemDetailsMapping>();
        services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = gateway.MaxBodyBytes);
        services.Configure<FormOptions>(f
            => { f.MultipartBodyLengthLimit = gateway.MaxBodyBytes; f.ValueLengthLimit = 1 << 20; });
        services.ConfigureHttpJsonOptions(j => j.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddOpenApi();
        services.AddRebTelemetry(configuration);
        return services;
    }

    /// <summary>
    /// Middleware (errors, status pages, request timeouts, failed-authentication limit, authentication, rate limit,
    /// authorization) and every gateway route.
    /// </summary>
    public static WebApplication MapRebGateway(this WebApplication app)
    {
        app.MapRebTelemetry(); // first: its request timing sees the final status of every request
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestTimeouts(); // inside the exception handler: it turns the cancelled request into a 504 first
        // before authentication: a blocked address's keys are not even checked
        app.UseMiddleware<FailedAuthMiddleware>();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();

        HealthEndpoints.Map(app);
        app.MapOpenApi().AllowAnonymous();
        EmbeddedAssets.Map(app);
        var api = app.MapGroup("/api").WithTags("api");
        KeyEndpoints.Map(api);
        LineEndpoints.Map(api);
        PublishEndpoints.Map(api);
        InspectEndpoints.Map(api);
        HistoryEndpoints.Map(api);
        ReviewEndpoints.Map(api);
        ScoreEndpoints.Map(api);
        TrainingEndpoints.Map(api);
        return app;
    }
}
