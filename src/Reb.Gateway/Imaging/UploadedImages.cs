using Microsoft.AspNetCore.Http;
using Reb.Core.Imaging;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Imaging;

/// <summary>An uploaded image: its name and encoded bytes.</summary>
public sealed record UploadedImage(string Name, byte[] Bytes);

/// <summary>Reads images from request bodies (raw image/* or multipart) within the gateway's limits.</summary>
public static class UploadedImages
{
    /// <summary>The single image of an inspect request: a raw image/* body or the multipart field "image" (or the first
    /// file).</summary>
    public static async Task<UploadedImage> ReadOneAsync(HttpRequest request, string? name, GatewayOptions o,
        CancellationToken ct)
    {
        CheckDeclaredLength(request, o);
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault()
                       ?? throw GatewayProblem.BadRequest(
                           "the multipart body has no file (send the image in the field 'image')");
            return new UploadedImage(name ?? file.FileName, await ReadFileAsync(file, ct));
        }
        var type = request.ContentType ?? "";
        if (!type.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            throw GatewayProblem.UnsupportedMediaType(
                $"send the image as the body with Content-Type image/* or as multipart field 'image' (got '{type}')");
        var bytes = await ReadBodyAsync(request, o, ct);
        if (bytes.Length == 0) throw GatewayProblem.BadRequest("the request body is empty: send the image bytes");
        return new UploadedImage(string.IsNullOrWhiteSpace(name) ? "image" : name, bytes);
    }

    /// <summary>All files of a multipart request (batch inspection, training uploads).</summary>
    public static async Task<(IReadOnlyList<UploadedImage> Files, IFormCollection Form)> ReadManyAsync(
        HttpRequest request, GatewayOptions o, CancellationToken ct)
    {
        CheckDeclaredLength(request, o);
        if (!request.HasFormContentType)
            throw GatewayProblem.UnsupportedMediaType("send the images as multipart/form-data files");
        var form = await request.ReadFormAsync(ct);
        var files = new List<UploadedImage>();
        foreach (var f in form.Files) files.Add(new UploadedImage(f.FileName, await ReadFileAsync(f, ct)));
        return (files, form);
    }

    /// <summary>Refuses images whose header claims more pixels than allowed (413) before anything decodes
    /// them.</summary>
    public static ImageHeader? CheckHeader(UploadedImage image, GatewayOptions o)
    {
        if (image.Bytes.Length == 0) throw new ImageLoadException(image.Name, "empty file");
        var header = ImageHeaderProbe.Probe(image.Bytes, image.Name);
        if (header is { } h && h.Pixels > o.MaxImagePixels)
            throw GatewayProblem.TooLarge($"image '{image.Name}' is {h.Width}x{h.Height} = {h.Pixels} pixels, over " +
                $"the limit of {o.MaxImagePixels}");
        return header;
    }

    private static void CheckDeclaredLength(HttpRequest request, GatewayOptions o)
    {
        if (request.ContentLength is { } n && n > o.MaxBodyBytes)
            throw GatewayProblem.TooLarge($"the body has {n} bytes, over the limit of {o.MaxBodyBytes}");
    }

    /// <summary>The file's bytes in one array of its exact length (no growing buffer, no second copy).</summary>
    private static async Task<byte[]> ReadFileAsync(IFormFile file, CancellationToken ct)
    {
        var bytes = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(bytes, ct);
        return bytes;
    }

    /// <summary>
    /// A raw body: read straight into an array of the declared length when there is one (checked against the limit
    /// above); a chunked body of unknown length goes through a growing buffer once.
    /// </summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, GatewayOptions o, CancellationToken ct)
    {
        if (request.ContentLength is { } n)
        {
            var bytes = new byte[n];
            await request.Body.ReadExactlyAsync(bytes, ct);
            return bytes;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }
}
