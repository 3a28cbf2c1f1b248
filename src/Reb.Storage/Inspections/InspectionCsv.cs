using System.Globalization;
using System.Text;

namespace Reb.Storage.Inspections;

/// <summary>The history as CSV (RFC 4180: comma, CRLF, quotes doubled), invariant culture, times ISO 8601
/// UTC.</summary>
public static class InspectionCsv
{
    public const string Header = "id,site,line,time_utc,version,score,verdict,threshold,latency_ms,image_name," +
        "image_key,review,reviewer,reviewed_utc,note,bank_version";

    public static string Write(IEnumerable<InspectionEntry> entries)
    {
        var sb = new StringBuilder(Header).Append("\r\n");
        foreach (var e in entries) sb.Append(Row(e)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>One row, without its line end (an export writes rows one by one as the database returns
    /// them).</summary>
    public static string Row(InspectionEntry e)
    {
        string[] cells =
        [
            e.Id, e.Site, e.Line, e.TimeUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), e.Version,
            e.Score.ToString("R", CultureInfo.InvariantCulture), e.Reject ? "reject" : "accept",
            e.Threshold.ToString("R", CultureInfo.InvariantCulture),
            e.LatencyMs.ToString("0.###", CultureInfo.InvariantCulture),
            e.ImageName ?? "", e.ImageKey ?? "", ReviewName(e.Review), e.Reviewer ?? "",
            e.ReviewedUtc?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "", e.Note ?? "", e.BankVersion
            ?? "",
        ];
        return string.Join(',', cells.Select(Quote));
    }

    public static string ReviewName(ReviewState s) => s switch
    {
        ReviewState.Confirmed => "confirmed",
        ReviewState.Overturned => "overturned",
        _ => "none",
    };

    /// <summary>Quotes a cell that needs it; a leading '=', '+', '-' or '@' is prefixed with a quote mark so a
    /// spreadsheet does not run it as a formula.</summary>
    private static string Quote(string cell)
    {
        if (cell.Length > 0 && cell[0] is '=' or '+' or '@'
            || (cell.Length > 1 && cell[0] == '-' && !char.IsDigit(cell[1]))) cell = "'" + cell;
        return cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
    }
}
