using Reb.Abstractions.Contracts;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Failures in error bodies: messages quoted store paths, blob URLs and connection settings; a malformed form field
/// answered 500. Bad images keep the decoder's reason (it names no path).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ErrorBodyTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("line 'pcb': model version 'abc' does not exist: model version 'abc' is not in local folder " +
        "/srv/reb/artefacts: it was never published")]
    [InlineData("model version 'abc' cannot be used: blob " +
        "https://acct.blob.core.windows.net/reb-artefacts/models/abc/manifest.json is corrupt")]
    [InlineData("model version 'abc' cannot be used: AccountKey=c2VjcmV0; store C:\\data\\store\\models failed")]
    public void Model_errors_reach_the_client_without_paths_urls_or_secrets(string message)
    {
        var (_, _, detail, _) = ProblemDetailsMapping.Map(new ModelVersionException(message));
        Assert.DoesNotContain("/srv/reb", detail);
        Assert.DoesNotContain("blob.core.windows.net", detail);
        Assert.DoesNotContain("c2VjcmV0", detail);
        Assert.DoesNotContain("C:\\data", detail);
        Assert.Contains("abc", detail); // still says which version
    }

    [Fact]
    public void Any_client_visible_message_is_scrubbed_of_paths_and_urls()
    {
        var (_, _, detail, _) = ProblemDetailsMapping.Map(
            new ArgumentException("cannot read /var/lib/reb/store/x.png from http://10.0.0.5:10000/devstoreaccount1"));
        Assert.DoesNotContain("/var/lib", detail);
        Assert.DoesNotContain("10.0.0.5", detail);
    }

    [Theory]
    [InlineData("coresetRatio", "abc")]
    [InlineData("promote", "maybe")]
    [InlineData("k", "1e3")]
    public async Task A_malformed_form_field_is_a_400_naming_the_field(string field, string value)
    {
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-form", Roles.Engineer));
        using var r = await engineer.PostAsync("api/lines/sec-form-line/training",
            SecurityHelpers.TrainingUpload(gateway, (field, value)));
        Assert.Contains(field, await r.AssertProblem(400));
    }

    [Fact]
    public async Task A_bad_image_keeps_the_decoders_reason()
    {
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var png = await File.ReadAllBytesAsync(gateway.GoodImages[0]);
        using var r = await op.PostAsync($"api/lines/{GatewayFixture.Line}/inspect?name=cut.png",
            Http.Image(png[..(png.Length / 2)]));
        Assert.Contains("truncated", await r.AssertProblem(400));
    }
}
