using System.Diagnostics;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Cli;

/// <summary>
/// `reb fit` on a young line (four good boards) says in words that it needs more good images or reviewed parts, and
/// prints the rule with both predicted rates; the real CLI binary in its own process, its console output read back.
/// </summary>
public sealed class FitWarningCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reb-fit-warning-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Reb_fit_on_four_images_prints_the_cost_rule_both_predicted_rates_and_the_warning()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "reb.dll");
        var data = Path.Combine(GatewayFixture.RepositoryRoot(), "samples", "deeppcb");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = _dir };
        foreach (var a in new[] { cli, "fit", "--data", data, "--out", Path.Combine(_dir, "model"), "--shots", "4",
                     "--image-size", "64", "--synthetic-images", "2" })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        // Spectre wraps at 80 columns when the output is not a terminal: whitespace runs are one space here.
        string text = System.Text.RegularExpressions.Regex.Replace(await stdout, @"\s+", " ");
        Assert.True(p.ExitCode == 0, text + await stderr);
        Assert.Contains("rule cost (an escape costs 10 false rejects", text);
        Assert.Contains("predicted false rejects", text);
        Assert.Contains("predicted escapes", text);
        Assert.Contains("warning: this line needs more good images or reviewed parts", text);
        Assert.Contains("4 good images cannot certify the 1 % false-reject target (230 needed)", text);
        Assert.Matches(@"warning: [^\n]*predicted false rejects \d+ %", text);
    }
}
