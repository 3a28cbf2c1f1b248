using Microsoft.Extensions.Hosting;
using Reb.Silo;

// One silo process with the HTTP gateway (Reb:Gateway:HttpPort, default 8080; Reb:Gateway:Enabled=false for a plain
// silo). Configuration: appsettings.json, environment (REB__SILO__SILOPORT=11112, REB__GATEWAY__HTTPPORT=8081, ...) and
// command line (--Reb:Silo:SiloPort 11112). Start several with different silo, gateway and HTTP ports to form one
// cluster on a machine.
using var host = SiloWebApp.Build(args);
await host.RunAsync();
