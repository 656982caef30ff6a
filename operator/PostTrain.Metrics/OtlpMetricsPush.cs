using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace PostTrain.Metrics;

/// <summary>
/// Optional push of the same meters to an OpenTelemetry collector over OTLP, through the OpenTelemetry SDK,
/// switched on by the standard environment variable <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.
/// </summary>
public static class OtlpMetricsPush
{
    /// <summary>The environment variable that switches the push on.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// A MeterProvider exporting <paramref name="meters"/> over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
    /// set, else null. Honours <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c>, the SDK's default, or
    /// <c>http/protobuf</c>, which posts to <c>{endpoint}/v1/metrics</c>), <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>
    /// (used as is), <c>OTEL_EXPORTER_OTLP_HEADERS</c> and <c>OTEL_METRIC_EXPORT_INTERVAL</c> (milliseconds).
    /// Dispose the provider to stop (it flushes).
    /// </summary>
    /// <exception cref="ArgumentException">An endpoint is not an absolute http(s) URI, or the protocol or interval is unusable; the message names the variable.</exception>
    public static MeterProvider? CreateFromEnvironment(IEnumerable<string> meters) =>
        Create(meters, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="CreateFromEnvironment"/>, reading variables through <paramref name="getVariable"/>.</summary>
    internal static MeterProvider? Create(IEnumerable<string> meters, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var endpoint = getVariable(EndpointVariable);
        var metricsEndpoint = getVariable("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        if (string.IsNullOrWhiteSpace(endpoint) && string.IsNullOrWhiteSpace(metricsEndpoint))
        {
            return null;
        }

        var protocolText = (getVariable("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") ?? getVariable("OTEL_EXPORTER_OTLP_PROTOCOL"))?.Trim();
        var protocol = protocolText switch
        {
            null or "" or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            _ => throw new ArgumentException($"OTEL_EXPORTER_OTLP_PROTOCOL: '{protocolText}' is not supported; use 'grpc' or 'http/protobuf'."),
        };

        Uri target;
        if (!string.IsNullOrWhiteSpace(metricsEndpoint))
        {
            target = ParseEndpoint("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", metricsEndpoint);
        }
        else
        {
            target = ParseEndpoint(EndpointVariable, endpoint!);
            if (protocol == OtlpExportProtocol.HttpProtobuf)
            {
                target = new Uri(target.AbsoluteUri.TrimEnd('/') + "/v1/metrics");
            }
        }

        var intervalText = getVariable("OTEL_METRIC_EXPORT_INTERVAL");
        int? interval = null;
        if (!string.IsNullOrWhiteSpace(intervalText))
        {
            interval = int.TryParse(intervalText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0
                ? ms
                : throw new ArgumentException($"OTEL_METRIC_EXPORT_INTERVAL: '{intervalText}' is not a positive number of milliseconds.");
        }

        var headers = getVariable("OTEL_EXPORTER_OTLP_HEADERS");
        var builder = Sdk.CreateMeterProviderBuilder();
        foreach (var meter in meters)
        {
            builder.AddMeter(meter);
        }

        builder.AddOtlpExporter((exporter, reader) =>
        {
            exporter.Endpoint = target;
            exporter.Protocol = protocol;
            if (!string.IsNullOrWhiteSpace(headers))
            {
                exporter.Headers = headers;
            }

            if (interval is { } ms)
            {
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = ms;
            }
        });
        return builder.Build();
    }

    private static Uri ParseEndpoint(string variable, string value) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"{variable}: '{value}' is not an absolute http:// or https:// URI.");
}
