using System.Buffers.Binary;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;
using Reb.Silo;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// The shipped configuration undid the decode limit: src/Reb.Silo/appsettings.json set MaxImagePixels to 40,000,000
/// while the tests checked only the code default. This silo runs on the shipped appsettings.json itself (read from the
/// repository, only ports, folders and storage kinds overridden: nothing of the gateway's limits) and must refuse the
/// header of a 5000 x 4000 image with 413.
/// </summary>
[Collection(Name)]
public sealed class Finding04_ShippedDecodeLimitTests : IAsyncLifetime
{
    public const string Name = "Gateway: a silo on the shipped appsettings.json";
    private IHost? _host;
    private string _baseUrl = "";
    private readonly string _work = Directory.CreateTempSubdirectory("reb-shipped-config-").FullName;

    public async Task InitializeAsync()
    {
        var shipped = Path.Combine(GatewayFixture.RepositoryRoot(), "src", "Reb.Silo", "appsettings.json");
        int siloPort = LoopbackPorts.Next(), gatewayPort = LoopbackPorts.Next();
        var overrides = new Dictionary<string, string?>
        {
            ["Reb:ArtefactStore:Root"] = Path.Combine(_work, "store"),
            ["Reb:CacheRoot"] = Path.Combine(_work, "cache"),
            ["Reb:History:Path"] = Path.Combine(_work, "history.db"),
            ["Reb:Silo:GrainStorage"] = "memory",
            ["Reb:Silo:ClusterId"] = "shipped-config-" + Guid.NewGuid().ToString("N")[..8],
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = siloPort.ToString(),
            ["Reb:Silo:GatewayPort"] = gatewayPort.ToString(),
            ["Reb:Gateway:HttpPort"] = "0",
        };
        _host = SiloWebApp.Build([], b =>
        {
            b.Configuration.AddJsonFile(shipped, optional: false);
            b.Configuration.AddInMemoryCollection(overrides);
            b.Logging.ClearProviders();
        });
        await _host.StartAsync();
        var address = _host.Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _baseUrl =
            $"http://127.0.0.1:{new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port}/";
    }

    [Fact]
    public async Task The_shipped_appsettings_refuses_a_5000x4000_image_header_with_413()
    {
        var key = (await _host!.Services.GetRequiredService<ApiKeyService>()
            .CreateAsync("shipped-op", "shipped", Roles.Operator, "test")).Key;
        await _host.Services.GetRequiredService<IGrainFactory>().GetGrain<ILineOperationsGrain>("shipped-line")
            .Claim("shipped");
        // Only the 33 header bytes of a 5000 x 4000 PNG: refused from the header, nothing decoded.
        var header = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D',
            (byte)'R' }.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(16), 5000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(20), 4000);
        header[24] = 8; header[25] = 2;
        using var client = new HttpClient { BaseAddress = new Uri(_baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        using var r = await client.PostAsync("api/lines/shipped-line/inspect", Http.Image(header));
        var limit = _host.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxImagePixels;
        Assert.Contains("5000", await r.AssertProblem(413));
        Assert.True(limit <= new GatewayOptions().MaxImagePixels,
            $"the shipped MaxImagePixels {limit} is over the code default");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            try { await _host.StopAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { /* best effort */ }
            _host.Dispose();
        }
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Finding04_ShippedDecodeLimitTests.Name)]
public sealed class ShippedConfigurationCollection;
