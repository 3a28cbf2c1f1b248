using Reb.Core.Imaging;

namespace Reb.Cli.Commands.Load;

/// <summary>One image held in memory for the whole run, so disk reads never count as request latency.</summary>
public sealed record LoadImage(string Name, byte[] Bytes)
{
    /// <summary>The images of the given files and folders (folders recursively, sorted), read into memory.</summary>
    public static IReadOnlyList<LoadImage> Read(IEnumerable<string> inputs) =>
        Paths(inputs).Select(p => new LoadImage(Path.GetFileName(p), File.ReadAllBytes(p))).ToList();

    /// <summary>The image files of the given files and folders (folders recursively, sorted); none is an
    /// error.</summary>
    public static IReadOnlyList<string> Paths(IEnumerable<string> inputs)
    {
        var paths = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input)) paths.Add(Path.GetFullPath(input));
            else if (Directory.Exists(input))
                paths.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(p => ImageLoader.SupportedExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal));
            else throw new FileNotFoundException($"--images: '{input}' is neither an image file nor a folder");
        }
        if (paths.Count == 0) throw new InvalidDataException("--images: no images " +
            $"({string.Join(", ", ImageLoader.SupportedExtensions)}) in {string.Join(", ", inputs)}");
        return paths;
    }
}
