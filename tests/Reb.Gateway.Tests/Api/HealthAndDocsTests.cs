using System.Net;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

[Collection(GatewayCollection.Name)]
public sealed class HealthAndDocsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Healthz_says_alive_readyz_sees_the_cluster_and_the_store_has_its_own_endpoint()
    {
        using var client = gateway.Client();
        var alive = await client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("alive", (await alive.ReadJson()).GetProperty("status").GetString());
        var ready = await client.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.ReadJson();
        Assert.True(body.GetProperty("cluster").GetBoolean());
        var store = await client.GetAsync("healthz/store");
        Assert.Equal(HttpStatusCode.OK, store.StatusCode);
        Assert.True((await store.ReadJson()).GetProperty("artefactStore").GetBoolean());
    }

    [Fact]
    public async Task Openapi_document_lists_the_inspect_operation_and_docs_page_is_served()
    {
        using var client = gateway.Client();
        var doc = await (await client.GetAsync("openapi/v1.json")).ReadJson();
        var inspect = doc.GetProperty("paths").GetProperty("/api/lines/{line}/inspect");
        Assert.True(inspect.TryGetProperty("post", out var post));
        Assert.Equal("Inspect", post.GetProperty("operationId").GetString());
        var docs = await client.GetAsync("docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType?.MediaType);
        var html = await docs.Content.ReadAsStringAsync();
        Assert.Contains("/openapi/v1.json", html);
        // no CDN: everything ships in the repo
        Assert.DoesNotContain("https://", html.Replace("https://httpstatuses", ""));
    }

    [Fact]
    public async Task Unexpected_exception_is_a_generic_500_problem_without_stack_or_message()
    {
        using var client = gateway.Client();
        var r = await client.GetAsync(ExtraEndpoints.Throw.TrimStart('/'));
        var detail = await r.AssertProblem(500);
        var text = await r.Content.ReadAsStringAsync();
        Assert.DoesNotContain(ExtraEndpoints.SecretText, text);
        Assert.DoesNotContain("InvalidOperationException", text);
        Assert.DoesNotContain(".cs:line", text);
        Assert.Contains("unexpected", detail);
    }

    [Fact]
    public async Task Dashboard_path_redirects_once_to_the_folder_and_missing_files_are_404()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress =
            new Uri(gateway.BaseUrl + "/") };
        var bare = await client.GetAsync("dashboard");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/dashboard/", bare.Headers.Location?.OriginalString);
        // The folder itself serves index.html (or 404 while the dashboard has no files): never another redirect.
        var folder = await client.GetAsync("dashboard/");
        Assert.Contains(folder.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound });
        if (folder.StatusCode == HttpStatusCode.OK)
            Assert.Equal("text/html", folder.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("dashboard/no-such-file.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await client.GetAsync("dashboard/..%2F..%2FDocs%2Fapi-reference.html")).StatusCode);
    }
}
