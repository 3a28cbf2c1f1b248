using Reb.Cluster.Tests.TestSupport;
using Reb.Silo;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// A silo configured for a PostgreSQL history it cannot reach does not start: it would answer inspections it cannot
/// record. It exits non-zero, naming the history and the setting to check.
/// </summary>
public sealed class HistoryStartupTests : IDisposable
{
    private readonly string _work = TestCertificates.TempFolder("history-start");

    [Fact]
    public async Task A_silo_whose_postgres_history_is_unreachable_fails_start_up_and_says_why()
    {
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:HttpPort"] = "0";
        settings["Reb:History:Kind"] = "postgres";
        settings["Reb:History:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=reb;Database=reb;Timeout=3";
        var errors = new StringWriter();
        using var host = WebSilos.Build(settings);

        var run = SiloProcess.RunAsync(host, errors, TimeSpan.FromSeconds(20));
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(90)));
        Assert.True(finished == run, "the silo kept running without its inspection history");
        Assert.Equal(SiloProcess.Failed, await run);
        Assert.Contains("inspection history (postgres: 127.0.0.1:1/reb) cannot be opened", errors.ToString());
        Assert.Contains("Reb:History", errors.ToString());
    }

    [Fact]
    public void An_unknown_history_kind_is_refused_with_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => Reb.Storage.Inspections.InspectionHistoryFactory.Create(
            new Reb.Storage.Inspections.InspectionHistorySettings { Kind = "mongo" }));
        Assert.Contains("sqlite or postgres", e.Message);
        var p = Assert.Throws<ArgumentException>(() => Reb.Storage.Inspections.InspectionHistoryFactory.Create(
            new Reb.Storage.Inspections.InspectionHistorySettings { Kind = "postgres" }));
        Assert.Contains("Reb:History:ConnectionString", p.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }
}
