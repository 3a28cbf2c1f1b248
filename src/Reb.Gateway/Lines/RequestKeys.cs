using System.Security.Cryptography;
using System.Text;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Lines;

/// <summary>
/// The <c>Idempotency-Key</c> request header: a key the client chooses per inspection and sends again, unchanged, when
/// it resends that inspection. Why: a client whose gateway died mid-request cannot know whether the part was inspected
/// and recorded; with the key, the resend answers the recorded inspection instead of recording the part twice.
/// </summary>
public static class RequestKeys
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxLength = 128;

    /// <summary>The header's key, null when absent; a 400 when it is empty, longer than <see cref="MaxLength"/> or has
    /// characters other than letters, digits and <c>-_.:</c>.</summary>
    public static string? From(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values)) return null;
        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength
            || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            throw GatewayProblem.BadRequest(
                $"{Header} must be one value of 1 to {MaxLength} letters, digits or '-_.:'");
        return key;
    }

    /// <summary>The inspection id a key names: 16 hex digits (the form of every inspection id) of SHA-256 over site,
    /// line and key, so that one key used on two lines or sites names two inspections.</summary>
    public static string InspectionId(string site, string line, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{site}\n{line}\n{key}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
