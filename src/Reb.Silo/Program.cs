using Microsoft.Extensions.Hosting;
using Reb.Silo;

// One silo process. Configuration: appsettings.json, environment (REB__SILO__SILOPORT=11112, REB__ACCELERATOR=gpu, ...)
// and command line (--Reb:Silo:SiloPort 11112). Start several with different ports to form one cluster on a machine.
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => SiloHostBuilder.Configure(silo, builder.Configuration));
using var host = builder.Build();
await host.RunAsync();
