using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Reb.Core.Models;

/// <summary>
/// Reads and writes a model directory: model.json plus raw arrays (core.f32, density.f32, core-index.i64) and, for an
/// adapted backbone, its weights. Writes go to a temporary sibling folder that is renamed into place at the end, so a
/// crash never leaves a half-written model under the final name.
/// </summary>
public static class ModelDirectory
{
    public const string ManifestFile = "model.json";
    public const string CoreFile = "core.f32";
    public const string DensityFile = "density.f32";
    public const string CoreIndexFile = "core-index.i64";

    /// <summary>
    /// Rows [start, start + count) of a model's bank (<see cref="BankInfo.CoreFile"/>) and their densities, read from
    /// the model's files without the rest: what one bank shard serves.
    /// </summary>
    public static (float[] Rows, float[] Density) ReadBankSlice(string dir, BankInfo bank, long start, long count) =>
        (ReadRows(Path.Combine(dir, bank.CoreFile), start, count, bank.Dim),
            ReadRows(Path.Combine(dir, bank.DensityFile), start, count, 1));

    /// <summary>Rows [start, start + count) of a raw float32 file of <paramref name="dim"/> columns.</summary>
    private static float[] ReadRows(string path, long start, long count, int dim)
    {
        var values = new float[count * dim];
        using var handle = File.OpenHandle(path);
        long offset = start * dim * sizeof(float);
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes[read..], offset + read);
            if (n == 0)
                throw new ModelFormatException($"{path}: ends before row {start + count} ({dim} floats per row)");
            read += n;
        }
        return values;
    }

    public static string Serialize(ModelManifest m)
        => JsonSerializer.Serialize(m, ManifestJsonContext.Default.ModelManifest);

    public static ModelManifest Deserialize(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ManifestJsonContext.Default.ModelManifest)
                   ?? throw new ModelFormatException($"{source}: empty manifest");
        }
        catch (JsonException e) { throw new ModelFormatException($"{source}: model.json is not valid ({e.Message})",
            e); }
    }

    /// <summary>
    /// The content address: SHA-256 of the manifest (file hashes are inside it) without the facts of the run that made
    /// it: version, creation time and seconds. The same images, options and seed give the same version whether the
    /// model was fitted by `reb fit`, by the cluster's training grain, or resumed after a silo loss.
    /// </summary>
    public static string ComputeVersion(ModelManifest m)
    {
        var content = m with
        {
            Version = "",
            CreatedUtc = default,
            Training = m.Training with { EmbedSeconds = 0, FitSeconds = 0 },
            Backbone = m.Backbone with { AdaptationJson = WithoutRunFacts(m.Backbone.AdaptationJson) },
        };
        var canonical = Serialize(content);
        return "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..32];
    }

    /// <summary>
    /// True when <paramref name="version"/> is the manifest's content address. Models written before run facts left the
    /// content address carry the hash of their whole manifest: that is still theirs, so older models keep loading.
    /// </summary>
    /// <param name="json">model.json as stored: an older model's address is the hash of that text with its version
    /// blank.</param>
    public static bool IsContentOf(ModelManifest m, string version, string json) => version == ComputeVersion(m)
        || version == LegacyVersion(json);

    /// <summary>
    /// The content address of models written before run facts were left out of it: the hash of the whole manifest as
    /// that writer serialised it, i.e. the stored text with its version blank (not re-serialised: fields added since
    /// would change the text).
    /// </summary>
    private static string LegacyVersion(string json)
    {
        var blank = System.Text.RegularExpressions.Regex.Replace(json, "\"version\": \"[^\"]*\"", "\"version\": \"\"",
            default, TimeSpan.FromSeconds(1));
        return "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blank)))[..32];
    }

    /// <summary>Names of the JSON fields of an adaptation record that describe the run, not the result.</summary>
    private static readonly HashSet<string> RunFactFields =
        new(StringComparer.OrdinalIgnoreCase) { "seconds", "torchThreads", "resumedAtSteps" };

    /// <summary>The adaptation record (recipe, seed, loss curve, guard verdict) without timings, threads and resume
    /// points.</summary>
    private static string? WithoutRunFacts(string? json)
    {
        if (json is null) return null;
        var node = System.Text.Json.Nodes.JsonNode.Parse(json);
        Strip(node);
        return node?.ToJsonString();

        static void Strip(System.Text.Json.Nodes.JsonNode? n)
        {
            if (n is System.Text.Json.Nodes.JsonObject o)
            {
                foreach (var key in o.Select(p => p.Key).Where(RunFactFields.Contains).ToList()) o.Remove(key);
                foreach (var p in o) Strip(p.Value);
            }
            else if (n is System.Text.Json.Nodes.JsonArray a)
                foreach (var item in a) Strip(item);
        }
    }

    /// <summary>Reads and validates model.json (format, version = content hash). Files are checked when read.</summary>
    public static ModelManifest ReadManifest(string dir)
    {
        if (!Directory.Exists(dir)) throw new ModelFormatException($"model directory '{dir}' does not exist");
        var path = Path.Combine(dir, ManifestFile);
        if (!File.Exists(path))
            throw new ModelFormatException($"'{dir}' is not a model directory: {ManifestFile} is missing");
        var json = File.ReadAllText(path);
        var m = Deserialize(json, path);
        if (m.Format != ModelManifest.CurrentFormat)
            throw new ModelFormatException(
                $"{path}: unsupported model format '{m.Format}' (this build reads {ModelManifest.CurrentFormat})");
        var expected = ComputeVersion(m);
        if (!IsContentOf(m, m.Version, json))
            throw new ModelFormatException(
                $"{path}: manifest was modified (version {m.Version} does not match its content {expected})");
        return m;
    }

    /// <summary>Builds the directory in a temp sibling, then moves it to <paramref name="dir"/> (replacing an older
    /// model there).</summary>
    public static ModelManifest Write(string dir, Func<string, ModelManifest> writeFiles)
    {
        var full = Path.GetFullPath(dir);
        var parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var manifest = writeFiles(temp);
            manifest = manifest with { Version = ComputeVersion(manifest) };
            File.WriteAllText(Path.Combine(temp, ManifestFile), Serialize(manifest));
            if (Directory.Exists(full))
            {
                var old = full + $".old-{Guid.NewGuid():N}";
                Directory.Move(full, old);
                Directory.Move(temp, full);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(temp, full);
            return manifest;
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }
}
