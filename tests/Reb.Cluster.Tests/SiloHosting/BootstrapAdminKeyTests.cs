using Reb.Silo;
using System.Net;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// The first admin key comes from a file (a mounted Secret) instead of the command line, where `ps` shows it to every
/// local user, and it can be revoked: before, it was hashed in memory only and DELETE /api/keys/{id} answered 404,
/// so the key stayed valid for as long as the configuration held it.
/// </summary>
public sealed class BootstrapAdminKeyTests : IDisposable
{
    private readonly string _work = TestCertificates.TempFolder("bootstrap");

    [Fact]
    public async Task Key_from_a_file_works_until_revoked_and_stays_revoked_after_a_restart()
    {
        var id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..6]);
        var key = $"reb_{id}_{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())}";
        var file = Path.Combine(_work, "admin-key");
        await File.WriteAllTextAsync(file, key + "\n");
        var settings = WebSilos.Settings(_work);
        settings["Reb:Silo:GrainStorage"] = "folder"; // the revocation must outlive the silo
        settings["Reb:Silo:GrainStorageFolder"] = Path.Combine(_work, "grain-state");
        settings["Reb:Gateway:BootstrapAdminKeyFile"] = file;

        var port = LoopbackPorts.Next();
        settings["Reb:Gateway:HttpPort"] = port.ToString();
        using var http = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(60)
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        using (var host = WebSilos.Build(settings))
        {
            await host.StartAsync();
            try
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/keys")).StatusCode);
                Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/keys/{id}")).StatusCode);
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/keys")).StatusCode);
            }
            finally { await host.StopAsync(); }
        }

        // Same configuration (the Secret is still mounted), new process: the key stays revoked.
        using (var host = WebSilos.Build(settings))
        {
            await host.StartAsync();
            try { Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/keys")).StatusCode); }
            finally { await host.StopAsync(); }
        }
    }

    [Fact]
    public void A_missing_key_file_stops_the_silo_with_the_setting_named()
    {
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:BootstrapAdminKeyFile"] = Path.Combine(_work, "no-such-file");
        var error = Assert.Throws<FileNotFoundException>(() => WebSilos.Build(settings).Dispose());
        Assert.Contains("Reb:Gateway:BootstrapAdminKeyFile", error.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }
}
