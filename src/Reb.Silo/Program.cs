using Reb.Silo;

// One silo process with the HTTP gateway (Reb:Gateway:HttpPort, default 8080, or Kestrel:Endpoints / ASPNETCORE_URLS;
// Reb:Gateway:Enabled=false for a plain silo). Configuration: appsettings.json, environment (REB__SILO__SILOPORT=11112,
// REB__GATEWAY__HTTPPORT=8081, ...) and command line (--Reb:Silo:SiloPort 11112). Start several with different silo,
// gateway and HTTP ports to form one cluster on a machine. Exits non-zero when start-up or a required service fails.
int code;
try
{
    using var host = SiloWebApp.Build(args);
    code = await SiloProcess.RunAsync(host);
}
catch (Exception e)
{
    // Configuration errors (no TLS certificate, unknown provider, ...) surface while building the host.
    Console.Error.WriteLine($"reb-silo: cannot start: {e.GetType().Name}: {e.Message}");
    code = SiloProcess.Failed;
}
return code;
