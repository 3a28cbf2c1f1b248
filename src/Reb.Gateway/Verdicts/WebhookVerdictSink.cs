using System.Net.Http.Headers;

namespace Reb.Gateway.Verdicts;

/// <summary>POSTs each verdict's JSON to the plant's URL; any 2xx answer is a delivery, anything else (or no answer) is
/// retried by the delivery loop with backoff.</summary>
public sealed class WebhookVerdictSink(WebhookSinkOptions options) : IVerdictSink
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };

    public string Kind => "webhook";

    public async Task DeliverAsync(byte[] payload, CancellationToken ct)
    {
        using var request =
            new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (options.Authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", options.Authorization);
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}",
                null, response.StatusCode);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
