using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>Small HTTP helpers for the gateway tests.</summary>
public static class Http
{
    public static readonly JsonSerializerOptions Json =
        new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static ByteArrayContent Image(byte[] bytes, string type = "image/png")
    {
        var c = new ByteArrayContent(bytes);
        c.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        return c;
    }

    public static async Task<T> Read<T>(this HttpResponseMessage r) =>
        (await r.Content.ReadFromJsonAsync<T>(Json)) ?? throw new InvalidOperationException("empty JSON body");

    public static async Task<JsonElement> ReadJson(this HttpResponseMessage r) => await r.Read<JsonElement>();

    /// <summary>Asserts a problem-details body with the given status; returns its detail.</summary>
    public static async Task<string> AssertProblem(this HttpResponseMessage r, int status)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"expected {status}, got {(int)r.StatusCode}: {text}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var doc = JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, doc.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("title").GetString()));
        Assert.DoesNotContain("   at ", text); // never a stack trace
        return doc.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
    }
}
