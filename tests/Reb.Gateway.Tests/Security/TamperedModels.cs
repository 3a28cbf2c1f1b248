using System.Net.Http.Headers;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Model directories an attacker could publish: the fixture's real model with its manifest changed and re-addressed
/// (a valid content address), so that only the checks under test can refuse it.
/// </summary>
public static class TamperedModels
{
    /// <summary>A copy of the fixture's model-a with <paramref name="change"/> applied to its manifest.</summary>
    /// <param name="addFiles">writes extra files into the copy before the manifest (e.g. an ONNX file).</param>
    public static string Make(GatewayFixture gateway, Func<ModelManifest, ModelManifest> change,
        Action<string>? addFiles = null)
    {
        var source = Path.Combine(gateway.Work, "model-a");
        var dir = Directory.CreateDirectory(Path.Combine(gateway.Work, "tampered-" + Guid.NewGuid().ToString("N")[..8]))
            .FullName;
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        addFiles?.Invoke(dir);
        var m = change(ModelDirectory.ReadManifest(source));
        m = m with { Version = ModelDirectory.ComputeVersion(m) };
        File.WriteAllText(Path.Combine(dir, ModelDirectory.ManifestFile), ModelDirectory.Serialize(m));
        return dir;
    }

    /// <summary>The manifest with one more file entry (a copy of an existing entry under another name).</summary>
    public static IReadOnlyDictionary<string, FileEntry> With(this IReadOnlyDictionary<string, FileEntry> files,
        string name, FileEntry entry) =>
        new Dictionary<string, FileEntry>(files) { [name] = entry };

    /// <summary>Every file of <paramref name="dir"/> as a multipart publish body.</summary>
    public static MultipartFormDataContent Form(string dir)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var content = new ByteArrayContent(File.ReadAllBytes(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "files", Path.GetFileName(path));
        }
        return form;
    }

    /// <summary>The site that owns <paramref name="line"/>, null when the name is free.</summary>
    public static async Task<string?> OwnerAsync(GatewayFixture gateway, string line) =>
        (await gateway.Grains.GetGrain<ILineOperationsGrain>(line).GetSettings()).Site;
}
