using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Client;
using Reb.Abstractions.Grains;

namespace Reb.Gateway.Access;

/// <summary>
/// With <see cref="GatewayOptions.SignUnsignedKeyRecords"/>, signs at start the key records stored before the cluster
/// had a signing key (no signature at all), each audited as "key-sign", so that existing keys keep working once
/// signatures are checked. A record with a signature that does not match is never re-signed: it was changed in the
/// store or signed with another secret. Runs after the co-hosted silo has started (registered after it); the cluster's
/// services are resolved only when the migration is asked for.
/// </summary>
public sealed class UnsignedKeyRecordMigration(IServiceProvider services, IOptions<GatewayOptions> options,
    ILogger<UnsignedKeyRecordMigration> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (!options.Value.SignUnsignedKeyRecords) return;
        var keys = services.GetRequiredService<ApiKeyService>();
        var cluster = services.GetRequiredService<RebClusterClient>();
        if (keys.Signer is null) return;
        var store = services.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key);
        var records = await cluster.RetryAsync(() => store.ListAll(), ct);
        int signed = 0, wrong = 0;
        foreach (var record in records)
        {
            if (record.Signature is not null)
            {
                if (!keys.Signer.IsValid(record))
                {
                    wrong++;
                    log.LogWarning("API key record {KeyId} (site {Site}) carries a signature that does not match: " +
                        "left refused, not re-signed", record.Id, record.Site);
                }
                continue;
            }
            var withSignature = keys.Signer.Sign(record);
            await cluster.RetryAsync(async () => { await store.Put(withSignature); return true; }, ct);
            signed++;
        }
        log.LogWarning("Signed {Signed} API key records stored before signing ({Wrong} with a wrong signature left " +
            "refused); remove {Option} now", signed, wrong,
            $"{GatewayOptions.Section}:{nameof(GatewayOptions.SignUnsignedKeyRecords)}");
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
