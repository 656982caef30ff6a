using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Text.RegularExpressions;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The string formats kube-apiserver checks (k8s.io/kube-openapi pkg/validation/strfmt: default.go, time.go, date.go,
/// duration.go, bson.go, and the govalidator checks they call). Parsers that Go takes from its standard library
/// (net/url, net/mail, net) are approximated with .NET's.
/// </summary>
internal static partial class StringFormats
{
    /// <summary>Whether <paramref name="value"/> is valid for <paramref name="format"/> (a format kube keeps; see <see cref="SchemaNode"/>).</summary>
    public static bool IsValid(string format, string value) => format.Replace("-", "", StringComparison.Ordinal) switch
    {
        "bsonobjectid" => value.Length == 24 && value.All(char.IsAsciiHexDigit),
        "uri" => IsRequestUri(value),
        "email" => MailAddress.TryCreate(value, out var address) && address.Address.Length > 0,
        "hostname" => IsHostname(value),
        "ipv4" => IsIp(value) && value.Contains('.', StringComparison.Ordinal),
        "ipv6" => IsIp(value) && value.Contains(':', StringComparison.Ordinal),
        "cidr" => IsCidr(value),
        "mac" => Mac().IsMatch(value),
        "uuid" => Uuid().IsMatch(value),
        "uuid3" => Uuid3().IsMatch(value),
        "uuid4" => Uuid4().IsMatch(value),
        "uuid5" => Uuid5().IsMatch(value),
        "isbn" => IsIsbn10(value) || IsIsbn13(value),
        "isbn10" => IsIsbn10(value),
        "isbn13" => IsIsbn13(value),
        "creditcard" => IsCreditCard(value),
        "ssn" => value.Length == 11 && Ssn().IsMatch(value),
        "hexcolor" => HexColor().IsMatch(value),
        "rgbcolor" => RgbColor().IsMatch(value),
        "byte" => Base64().IsMatch(value),
        "password" => true,
        "date" => IsDate(value),
        "duration" => IsDuration(value),
        "datetime" => IsDateTime(value),
        _ => true,
    };

    /// <summary>strfmt.IsDate: time.Parse("2006-01-02").</summary>
    public static bool IsDate(string value) =>
        DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>strfmt.IsDateTime: a valid date, a 't', and hh:mm:ss[.frac](z|±hh:mm), case-insensitively.</summary>
    public static bool IsDateTime(string value)
    {
        if (value.Length < 4)
        {
            return false;
        }

        var parts = value.ToLowerInvariant().Split('t');
        if (parts.Length < 2 || !IsDate(parts[0]))
        {
            return false;
        }

        var m = DateTimeTime().Match(parts[1]);
        return m.Success
            && string.CompareOrdinal(m.Groups[1].Value, "23") <= 0
            && string.CompareOrdinal(m.Groups[2].Value, "59") <= 0
            && string.CompareOrdinal(m.Groups[3].Value, "59") <= 0;
    }

    /// <summary>strfmt.ParseDuration: Go's time.ParseDuration, else "N unit" pairs with Scala-like unit names.</summary>
    public static bool IsDuration(string value) => TryParseDuration(value, out _);

    /// <summary>strfmt.ParseDuration.</summary>
    public static bool TryParseDuration(string value, out TimeSpan duration)
    {
        if (TryParseGoDuration(value, out duration))
        {
            return true;
        }

        string[][] units = [["ns", "nano"], ["us", "µs", "micro"], ["ms", "milli"], ["s", "sec"], ["m", "min"], ["h", "hr", "hour"], ["d", "day"], ["w", "wk", "week"]];
        long[] ticks = [0, TimeSpan.TicksPerMicrosecond, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour, TimeSpan.TicksPerDay, 7 * TimeSpan.TicksPerDay];
        var ok = false;
        long total = 0;
        foreach (Match match in ScalaDuration().Matches(value))
        {
            if (!int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var factor))
            {
                return false;
            }

            var unit = match.Groups[3].Value.Trim().ToLowerInvariant();
            for (var u = 0; u < units.Length; u++)
            {
                var variants = units[u];
                for (var i = 0; i < variants.Length; i++)
                {
                    if ((i == variants.Length - 1 && unit.StartsWith(variants[i], StringComparison.Ordinal)) || string.Equals(variants[i], unit, StringComparison.OrdinalIgnoreCase))
                    {
                        ok = true;
                        total += factor * (u == 0 ? 0 : ticks[u]);
                    }
                }
            }
        }

        duration = TimeSpan.FromTicks(total);
        return ok;
    }

    /// <summary>Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+, or "0".</summary>
    public static bool TryParseGoDuration(string value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = value;
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        decimal totalNanos = 0;
        while (s.Length > 0)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            var number = s[..i];
            if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1)
            {
                return false;
            }

            s = s[i..];
            var j = 0;
            while (j < s.Length && !char.IsAsciiDigit(s[j]) && s[j] != '.')
            {
                j++;
            }

            decimal? unitNanos = s[..j] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => null,
            };
            if (unitNanos is null)
            {
                return false;
            }

            s = s[j..];
            totalNanos += decimal.Parse(number.StartsWith('.') ? "0" + number : number.EndsWith('.') ? number + "0" : number, CultureInfo.InvariantCulture) * unitNanos.Value;
        }

        duration = TimeSpan.FromTicks((long)(totalNanos / 100) * (negative ? -1 : 1));
        return true;
    }

    private static bool IsRequestUri(string value) =>
        value.StartsWith('/') ? !value.Contains(' ', StringComparison.Ordinal) : Uri.TryCreate(value, UriKind.Absolute, out _);

    private static bool IsHostname(string value) =>
        Hostname().IsMatch(value) && value.Length <= 255 && value.Split('.').All(p => p.Length <= 63);

    private static bool IsIp(string value) =>
        !value.Contains('%', StringComparison.Ordinal) && (value.Contains(':', StringComparison.Ordinal) ? IPAddress.TryParse(value, out _) : IsDottedQuad(value));

    /// <summary>An IPv4 address of four decimal octets, leading zeros tolerated (netutils.ParseIPSloppy).</summary>
    private static bool IsDottedQuad(string value)
    {
        var parts = value.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool IsCidr(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits))
        {
            return false;
        }

        var ip = value[..slash];
        return ip.Contains(':', StringComparison.Ordinal) ? IsIp(ip) && bits <= 128 : IsDottedQuad(ip) && bits <= 32;
    }

    private static bool IsIsbn10(string value)
    {
        var s = value.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!Isbn10().IsMatch(s))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (i + 1) * (s[i] - '0');
        }

        sum += s[9] == 'X' ? 100 : 10 * (s[9] - '0');
        return sum % 11 == 0;
    }

    private static bool IsIsbn13(string value)
    {
        var s = value.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!Isbn13().IsMatch(s))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 12; i++)
        {
            sum += (i % 2 == 0 ? 1 : 3) * (s[i] - '0');
        }

        return (10 - (sum % 10)) % 10 == s[12] - '0';
    }

    private static bool IsCreditCard(string value)
    {
        var digits = new string(value.Where(char.IsAsciiDigit).ToArray());
        if (!CreditCard().IsMatch(digits))
        {
            return false;
        }

        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    [GeneratedRegex(@"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeTime();

    [GeneratedRegex(@"((\d+)\s*([A-Za-zµ]+))", RegexOptions.CultureInvariant)]
    private static partial Regex ScalaDuration();

    [GeneratedRegex(@"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$", RegexOptions.CultureInvariant)]
    private static partial Regex Hostname();

    [GeneratedRegex(@"^([0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\2[0-9a-fA-F]{2}){4,18}|[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){0,7})$", RegexOptions.CultureInvariant)]
    private static partial Regex Mac();

    [GeneratedRegex(@"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Uuid3();

    [GeneratedRegex(@"^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Uuid4();

    [GeneratedRegex(@"^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Uuid5();

    [GeneratedRegex(@"^[0-9]{9}[0-9X]$", RegexOptions.CultureInvariant)]
    private static partial Regex Isbn10();

    [GeneratedRegex(@"^[0-9]{13}$", RegexOptions.CultureInvariant)]
    private static partial Regex Isbn13();

    [GeneratedRegex(@"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$", RegexOptions.CultureInvariant)]
    private static partial Regex CreditCard();

    [GeneratedRegex(@"^\d{3}[- ]?\d{2}[- ]?\d{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex Ssn();

    [GeneratedRegex(@"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColor();

    [GeneratedRegex(@"^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$", RegexOptions.CultureInvariant)]
    private static partial Regex RgbColor();

    [GeneratedRegex(@"^(?:[A-Za-z0-9+\/]{4})*(?:[A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{4})$", RegexOptions.CultureInvariant)]
    private static partial Regex Base64();
}
