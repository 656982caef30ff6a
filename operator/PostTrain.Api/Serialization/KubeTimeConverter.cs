using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostTrain.Api.Serialization;

/// <summary>
/// Reads any RFC 3339 time and writes metav1.Time's form: UTC, whole seconds, <c>Z</c> (e.g. 2026-01-02T03:04:05Z),
/// so a value survives a round trip through the API server unchanged.
/// </summary>
public sealed class KubeTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The format written.</summary>
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Converts to the written form's precision: UTC, whole seconds.</summary>
    /// <param name="value">Any time.</param>
    /// <returns>The time truncated to the second, in UTC.</returns>
    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <inheritdoc/>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)");
        }

        return value;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Normalize(value).ToString(Format, CultureInfo.InvariantCulture));
    }
}
