namespace PostTrain.Metrics;

/// <summary>Content types of the exposition formats, and the choice of one from an HTTP Accept header.</summary>
public static class ExpositionFormats
{
    /// <summary>The Content-Type of Prometheus text format 0.0.4.</summary>
    public const string PrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The Content-Type of OpenMetrics 1.0.0.</summary>
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>The Content-Type header value for <paramref name="format"/>.</summary>
    public static string ContentType(ExpositionFormat format) => format switch
    {
        ExpositionFormat.PrometheusText => PrometheusTextContentType,
        ExpositionFormat.OpenMetrics => OpenMetricsContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown exposition format"),
    };

    /// <summary>
    /// Picks the format for an Accept header the way Prometheus servers expect: the acceptable media range
    /// with the highest q wins (earlier on ties); <c>application/openmetrics-text</c> (version 1.0.0 or 0.0.1,
    /// or none given) means OpenMetrics, <c>text/plain</c> and wildcards mean text 0.0.4, as does a missing
    /// or unusable header.
    /// </summary>
    /// <param name="accept">The Accept header, or null.</param>
    /// <param name="allowOpenMetrics">False to always answer text 0.0.4.</param>
    public static ExpositionFormat Negotiate(string? accept, bool allowOpenMetrics = true)
    {
        if (string.IsNullOrWhiteSpace(accept) || !allowOpenMetrics)
        {
            return ExpositionFormat.PrometheusText;
        }

        var best = ExpositionFormat.PrometheusText;
        var bestQ = -1.0;
        foreach (var range in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            var mediaType = parts[0].ToLowerInvariant();
            var q = 1.0;
            string? version = null;
            foreach (var parameter in parts.AsSpan(1))
            {
                var eq = parameter.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    continue;
                }

                var name = parameter[..eq].Trim().ToLowerInvariant();
                var value = parameter[(eq + 1)..].Trim().Trim('"');
                if (name == "q" && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    q = parsed;
                }
                else if (name == "version")
                {
                    version = value;
                }
            }

            ExpositionFormat? format = mediaType switch
            {
                "application/openmetrics-text" when version is null or "1.0.0" or "0.0.1" => ExpositionFormat.OpenMetrics,
                "text/plain" when version is null or "0.0.4" => ExpositionFormat.PrometheusText,
                "text/*" or "*/*" => ExpositionFormat.PrometheusText,
                _ => null,
            };
            if (format is { } f && q > 0 && q > bestQ)
            {
                best = f;
                bestQ = q;
            }
        }

        return best;
    }
}
