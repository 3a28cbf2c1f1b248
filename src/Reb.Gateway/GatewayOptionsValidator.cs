using Microsoft.Extensions.Options;

namespace Reb.Gateway;

/// <summary>
/// Checks "Reb:Gateway" once, when the host starts (ValidateOnStart): a limit of zero or below would refuse every
/// request or none; such a setting stops the start with every offending option named, instead of surfacing as odd
/// answers later.
/// </summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var errors = new List<string>();
        void Positive(long value, string option)
        {
            if (value <= 0) errors.Add($"{GatewayOptions.Section}:{option} must be positive, got {value}");
        }
        Positive(o.MaxBodyBytes, nameof(o.MaxBodyBytes));
        Positive(o.MaxModelUploadBytes, nameof(o.MaxModelUploadBytes));
        Positive(o.MaxImagePixels, nameof(o.MaxImagePixels));
        Positive(o.MaxImagesPerBatch, nameof(o.MaxImagesPerBatch));
        Positive(o.FailedAuthPerMinute, nameof(o.FailedAuthPerMinute));
        Positive(o.KeyCacheCapacity, nameof(o.KeyCacheCapacity));
        Positive(o.MaxConcurrentInspections, nameof(o.MaxConcurrentInspections));
        Positive(o.MaxConcurrentTrainingStarts, nameof(o.MaxConcurrentTrainingStarts));
        Positive(o.InspectTimeoutSeconds, nameof(o.InspectTimeoutSeconds));
        Positive(o.InspectClusterDeadlineSeconds, nameof(o.InspectClusterDeadlineSeconds));
        Positive(o.RequestTimeoutSeconds, nameof(o.RequestTimeoutSeconds));
        Positive(o.MaxRunningJobsPerSite, nameof(o.MaxRunningJobsPerSite));
        Positive(o.MaxEventStreamsPerKey, nameof(o.MaxEventStreamsPerKey));
        Positive(o.EventStreamLifetimeSeconds, nameof(o.EventStreamLifetimeSeconds));
        Positive(o.RateLimitPerMinute, nameof(o.RateLimitPerMinute));
        if (o.UploadRetentionHours < 0)
            errors.Add($"{GatewayOptions.Section}:{nameof(o.UploadRetentionHours)} must be 0 (no sweep) or more, got " +
                $"{o.UploadRetentionHours}");
        if (o.Enabled && o.HttpPort is < 0 or > 65535)
            errors.Add(
                $"{GatewayOptions.Section}:{nameof(o.HttpPort)} must be a TCP port (0..65535), got {o.HttpPort}");
        if (string.IsNullOrWhiteSpace(o.OperationsSite))
            errors.Add($"{GatewayOptions.Section}:{nameof(o.OperationsSite)} must name a site");
        void LongSecret(string? value, string option)
        {
            if (!string.IsNullOrWhiteSpace(value) && value.Trim().Length < GatewayOptions.MinKeyRecordSigningKeyLength)
                errors.Add($"{GatewayOptions.Section}:{option} must hold at least " +
                    $"{GatewayOptions.MinKeyRecordSigningKeyLength} characters");
        }
        LongSecret(o.KeyRecordSigningKey, nameof(o.KeyRecordSigningKey));
        LongSecret(o.PreviousKeyRecordSigningKey, nameof(o.PreviousKeyRecordSigningKey));
        if (!string.IsNullOrWhiteSpace(o.PreviousKeyRecordSigningKey))
        {
            if (string.IsNullOrWhiteSpace(o.KeyRecordSigningKey))
                errors.Add($"{GatewayOptions.Section}:{nameof(o.PreviousKeyRecordSigningKey)} needs " +
                    $"{GatewayOptions.Section}:{nameof(o.KeyRecordSigningKey)} (the secret that replaces it)");
            else if (o.PreviousKeyRecordSigningKey.Trim() == o.KeyRecordSigningKey.Trim())
                errors.Add($"{GatewayOptions.Section}:{nameof(o.PreviousKeyRecordSigningKey)} is the same as " +
                    $"{GatewayOptions.Section}:{nameof(o.KeyRecordSigningKey)}: set the new secret as the signing key");
        }
        if (o.SignUnsignedKeyRecords && string.IsNullOrWhiteSpace(o.KeyRecordSigningKey))
            errors.Add($"{GatewayOptions.Section}:{nameof(o.SignUnsignedKeyRecords)} needs " +
                $"{GatewayOptions.Section}:{nameof(o.KeyRecordSigningKey)}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
