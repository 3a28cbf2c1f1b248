using System.Net.Http.Json;
using System.Text.Json;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>Inspections through the HTTP API the score and drift tests share.</summary>
public static class Inspections
{
    /// <summary>One inspection; a 503/504 (the shared test machine under load) is retried.</summary>
    public static async Task<JsonElement> InspectAsync(HttpClient c, string line, string name, byte[] bytes)
    {
        for (int attempt = 1; ; attempt++)
        {
            var r = await c.PostAsync($"api/lines/{line}/inspect?name={name}", Http.Image(bytes));
            if (r.IsSuccessStatusCode) return await r.ReadJson();
            var body = await r.Content.ReadAsStringAsync();
            if (attempt == 3 || (int)r.StatusCode is not (503 or 504)) Assert.Fail($"inspect answered {(int)r.StatusCode}: {body}");
            await Task.Delay(2000);
        }
    }

    /// <summary>
    /// A run of shifted scores: the fixture's defect images, <paramref name="repeats"/> times each, with the threshold
    /// raised to 1.5 x their highest score (measured on a scratch line of the same version) so they pass, as a drifting
    /// line's parts do until they cross the threshold. Every one must score at or above <paramref name="reference"/>
    /// (the drift test's reference score). Returns the count.
    /// </summary>
    public static async Task<int> ShiftedRunAsync(GatewayFixture gateway, HttpClient c, HttpClient engineer, string line, double reference,
        int repeats)
    {
        var probe = "probe-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.AddLineAsync(GatewayFixture.SiteA, probe);
        double highest = 0;
        foreach (var path in gateway.DefectImages)
            highest = Math.Max(highest, (await InspectAsync(c, probe, "probe.png", await File.ReadAllBytesAsync(path))).GetProperty("score").GetDouble());
        using (engineer)
            Assert.True((await engineer.PutAsJsonAsync($"api/lines/{line}/threshold", new { threshold = 1.5 * highest })).IsSuccessStatusCode);
        int n = 0;
        for (int r = 0; r < repeats; r++)
            foreach (var path in gateway.DefectImages)
            {
                var a = await InspectAsync(c, line, $"shifted-{r}-{Path.GetFileName(path)}", await File.ReadAllBytesAsync(path));
                Assert.Equal("good", a.GetProperty("verdict").GetString());
                var score = a.GetProperty("score").GetDouble();
                Assert.True(score >= reference, $"{path} scores {score}, below the drift reference {reference}: not a shifted part");
                n++;
            }
        return n;
    }
}
