using System.Net;
using System.Net.Http.Headers;
using Reb.Core.Models;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>
/// POST /api/lines/{line}/versions, the HTTP side of `reb cluster publish`: a model directory made by `reb fit`
/// elsewhere
/// is uploaded, checked against its checksums and registered; a damaged copy is refused by file name and changes
/// nothing. </summary>
[Collection(GatewayCollection.Name)]
public sealed class PublishTests(GatewayFixture gateway)
{
    private static MultipartFormDataContent ModelFiles(string dir, Func<string, byte[], byte[]>? tamper = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in Directory.GetFiles(dir))
        {
            var name = Path.GetFileName(path);
            var bytes = File.ReadAllBytes(path);
            var content = new ByteArrayContent(tamper?.Invoke(name, bytes) ?? bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "files", name);
        }
        return form;
    }

    [Fact]
    public async Task An_engineer_publishes_a_reb_fit_model_and_a_damaged_copy_is_refused_by_name()
    {
        const string line = "pcb-published";
        var dir = Path.Combine(gateway.Work, "model-a");
        var version = ModelDirectory.ReadManifest(dir).Version;
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        using var otherSite = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Engineer));

        // One flipped byte in the core set: refused with the file's name, and the line gets no version.
        var damaged =
            await engineer.PostAsync($"api/lines/{line}/versions?promote=true", ModelFiles(dir, (name, bytes) =>
        {
            if (name != ModelDirectory.CoreFile) return bytes;
            var copy = (byte[])bytes.Clone();
            copy[copy.Length / 2] ^= 0x40;
            return copy;
        }));
        var problem = await damaged.AssertProblem(400);
        Assert.Contains(ModelDirectory.CoreFile, problem);

        Assert.Equal(HttpStatusCode.Forbidden,
            (await op.PostAsync($"api/lines/{line}/versions", ModelFiles(dir))).StatusCode);

        var ok = await (await engineer.PostAsync($"api/lines/{line}/versions?promote=true", ModelFiles(dir)))
            .ReadJson();
        Assert.Equal(version, ok.GetProperty("currentVersion").GetString());
        // The line now belongs to site A: site B cannot publish to it (it does not exist for B).
        await (await otherSite.PostAsync($"api/lines/{line}/versions", ModelFiles(dir))).AssertProblem(404);
    }
}
