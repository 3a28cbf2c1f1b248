using System.Text.RegularExpressions;
using Reb.Abstractions.Contracts;
using Reb.Core.Models;

namespace Reb.Grains.Training;

/// <summary>
/// What a failed training job tells its client. Exception messages are written for the silo's log: they can name
/// silo paths, storage endpoints and silo addresses. Clients get the step and, for the errors written for users
/// (bad requests, unreadable images or models), the message with absolute paths cut; for anything else only that the
/// step failed and that the silo's log has the reason under the job id.
/// </summary>
public static partial class TrainingErrors
{
    public static string ForClients(string jobId, TrainingStage step, Exception e) => e switch
    {
        ArgumentException or InvalidDataException or ModelFormatException or FormatException
            => $"{step}: {WithoutPaths(e.Message)}",
        _ => $"{step}: the step failed ({e.GetType().Name}); the silo's log has the reason (job {jobId})",
    };

    /// <summary>Absolute file paths (Unix or Windows) and URIs become "&lt;path&gt;".</summary>
    public static string WithoutPaths(string message) => AbsolutePath().Replace(message, "<path>");

    [GeneratedRegex(@"(?:[A-Za-z][A-Za-z0-9+.-]*://[^\s'""]+|[A-Za-z]:\\[^\s'""]*"
                    + @"|(?<![\w.])/(?:[^\s/'""]+/)+[^\s'""]*)")]
    private static partial Regex AbsolutePath();
}
