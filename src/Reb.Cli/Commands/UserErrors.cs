using Reb.Core.Imaging;
using Reb.Core.Models;

namespace Reb.Cli.Commands;

/// <summary>Errors caused by input (missing folders, bad images, bad models): the command prints a message, not a
/// stack trace, and exits with 2.</summary>
public static class UserErrors
{
    public static bool IsUserError(Exception e) => e is ArgumentException or InvalidDataException
        or DirectoryNotFoundException or FileNotFoundException or ImageLoadException or ModelFormatException
        or NotSupportedException;
}
