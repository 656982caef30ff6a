using System.Globalization;
using System.Text;

namespace PostTrain.Api.Status;

/// <summary>Formats durations the way Go's time.Duration prints them (<c>1h2m3s</c>, <c>45s</c>, <c>0s</c>), as kubectl users read them.</summary>
public static class GoDuration
{
    /// <summary>Formats <paramref name="duration"/> to whole seconds (negative durations print as <c>0s</c>).</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>E.g. <c>14m20s</c>.</returns>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)Math.Max(0, Math.Floor(duration.TotalSeconds));
        if (seconds == 0)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        var hours = seconds / 3600;
        var minutes = seconds / 60 % 60;
        if (hours > 0)
        {
            builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            builder.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        builder.Append((seconds % 60).ToString(CultureInfo.InvariantCulture)).Append('s');
        return builder.ToString();
    }
}
