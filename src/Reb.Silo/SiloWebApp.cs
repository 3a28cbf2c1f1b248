using Reb.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Reb.Gateway;

namespace Reb.Silo;

/// <summary>
/// The silo process: an Orleans silo (configured by <see cref="SiloHostBuilder"/>) and, unless "Reb:Gateway:Enabled" is
/// false, the HTTP gateway (Kestrel endpoints, see <see cref="HttpEndpoints"/>) in the same host, talking to the grains
/// through the silo's own grain factory. Tests build the same host in-process.
/// </summary>
public static class SiloWebApp
{
    /// <param name="configure">adds configuration sources or services before the host is built (tests).</param>
    public static IHost Build(string[] args, Action<IHostApplicationBuilder>? configure = null)
    {
        // appsettings.json is read from the binaries' folder, whatever the working directory (dotnet run --project
        // ...).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory
        });
        configure?.Invoke(builder);
        var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()
            ?? new GatewayOptions();
        if (!gateway.Enabled)
        {
            // A plain silo without any HTTP listener, as before the gateway existed.
            var plain = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                Args = args,
                ContentRootPath = AppContext.BaseDirectory
            });
            configure?.Invoke(plain);
            BootstrapKeyFile.Apply(plain.Configuration);
            PlaceholderSecrets.Check(plain.Configuration, plain.Environment.EnvironmentName);
            plain.UseOrleans(silo =>
            {
                SiloHostBuilder.Configure(silo, plain.Configuration, plain.Environment.EnvironmentName);
                SiloTelemetry.Add(silo, plain.Services, plain.Configuration, dashboard: false);
            });
            return plain.Build();
        }
        BootstrapKeyFile.Apply(builder.Configuration);
        KeyRecordSigningSettings.Apply(builder.Configuration, builder.Environment.EnvironmentName);
        PlaceholderSecrets.Check(builder.Configuration, builder.Environment.EnvironmentName);
        builder.UseOrleans(silo =>
        {
            SiloHostBuilder.Configure(silo, builder.Configuration, builder.Environment.EnvironmentName);
            SiloTelemetry.Add(silo, builder.Services, builder.Configuration, dashboard: true);
        });
        builder.Services.AddRebGateway(builder.Configuration);
        HttpEndpoints.Configure(builder.WebHost, builder.Configuration, gateway.HttpPort);
        var app = builder.Build();
        app.MapRebGateway();
        return app;
    }
}
