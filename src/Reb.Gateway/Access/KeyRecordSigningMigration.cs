using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Client;
using Reb.Abstractions.Grains;

namespace Reb.Gateway.Access;

/// <summary>
/// Brings the stored key records to the current signing secret at start, so that existing keys keep working:
/// <list type="bullet">
/// <item>with <see cref="GatewayOptions.SignUnsignedKeyRecords"/>, records stored before the cluster had a signing key
/// (no signature at all) are signed, each audited as "key-sign";</item>
/// <item>with <see cref="GatewayOptions.PreviousKeyRecordSigningKey"/> (a rotation), records signed with the old secret
/// are re-signed with the new one, each audited as "key-resign".</item>
/// </list>
/// A record whose signature matches neither secret is never re-signed: it was changed in the store or signed with
/// another secret. Runs after the co-hosted silo has started (registered after it); the cluster's services are resolved
/// only when there is something to do. Every gateway of a rotating cluster runs it; a record already re-signed by
/// another is left as it is.
/// </summary>
public sealed class KeyRecordSigningMigration(IServiceProvider services, IOptions<GatewayOptions> options,
    ILogger<KeyRecordSigningMigration> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        var o = options.Value;
        bool signUnsigned = o.SignUnsignedKeyRecords;
        if (!signUnsigned && string.IsNullOrWhiteSpace(o.PreviousKeyRecordSigningKey)) return;
        var keys = services.GetRequiredService<ApiKeyService>();
        if (keys.Signer is not { } signer) return;
        var previous = keys.PreviousSigner;
        var cluster = services.GetRequiredService<RebClusterClient>();
        var store = services.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key);
        var records = await cluster.RetryAsync(() => store.ListAll(), ct);
        int signed = 0, resigned = 0, wrong = 0;
        foreach (var record in records)
        {
            bool unsigned = record.Signature is null;
            if (!unsigned && signer.IsValid(record)) continue;
            if (unsigned ? !signUnsigned : previous?.IsValid(record) != true)
            {
                if (!unsigned)
                {
                    wrong++;
                    log.LogWarning("API key record {KeyId} (site {Site}) carries a signature that matches no " +
                        "signing secret: left refused, not re-signed", record.Id, record.Site);
                }
                continue;
            }
            var withSignature = signer.Sign(record);
            await cluster.RetryAsync(async () => { await store.Put(withSignature); return true; }, ct);
            if (unsigned) signed++;
            else resigned++;
        }
        if (signUnsigned)
            log.LogWarning("Signed {Signed} API key records stored before signing; remove {Option} now", signed,
                $"{GatewayOptions.Section}:{nameof(GatewayOptions.SignUnsignedKeyRecords)}");
        if (previous is not null)
            log.LogWarning("Re-signed {Resigned} API key records with the new signing secret; once every silo runs " +
                "with it, remove {Option}", resigned,
                $"{GatewayOptions.Section}:{nameof(GatewayOptions.PreviousKeyRecordSigningKey)}");
        if (wrong > 0)
            log.LogWarning("{Wrong} API key records carry a signature that matches no signing secret: refused", wrong);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
