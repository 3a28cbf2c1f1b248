using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Reb.Gateway;
using Reb.Gateway.Hosting;

namespace Reb.Gateway.Tests.Api;

/// <summary>The gateway's options are checked when the host starts: a bad limit stops the start, naming each
/// option.</summary>
public sealed class GatewayOptionsValidationTests
{
    [Fact]
    public async Task Bad_limits_stop_the_host_at_start_naming_every_option()
    {
        using var host = Build(new()
        {
            ["Reb:Gateway:MaxBodyBytes"] = "0",
            ["Reb:Gateway:MaxImagesPerBatch"] = "-1",
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(e.Failures, f => f.Contains("Reb:Gateway:MaxBodyBytes must be positive, got 0"));
        Assert.Contains(e.Failures, f => f.Contains("Reb:Gateway:MaxImagesPerBatch must be positive, got -1"));
    }

    [Theory]
    [InlineData(null, "0123456789abcdef0123456789abcdef", "needs Reb:Gateway:KeyRecordSigningKey")]
    [InlineData("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", "is the same as")]
    [InlineData("0123456789abcdef0123456789abcdef", "too-short", "must hold at least 32")]
    public void A_rotation_needs_a_new_secret_unlike_the_old_one(string? current, string previous, string error)
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions
        {
            KeyRecordSigningKey = current, PreviousKeyRecordSigningKey = previous,
        });
        Assert.False(result.Succeeded);
        Assert.Contains(result.Failures!, f => f.Contains("PreviousKeyRecordSigningKey") && f.Contains(error));
    }

    [Fact]
    public void The_shipped_defaults_are_valid()
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions());
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRebGateway(builder.Configuration);
        return builder.Build();
    }
}
