using System.Globalization;
using System.Numerics;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// An exact rational number parsed from an answer's text, so that "1,000" == "1000", "3.0" == "3", "$5." == "5",
/// "-2" == "−2" and "1/2" == "0.5" compare equal without floating-point error.
/// </summary>
public readonly record struct NumericAnswer
{
    private NumericAnswer(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!gcd.IsZero && !gcd.IsOne)
        {
            numerator /= gcd;
            denominator /= gcd;
        }

        Numerator = numerator;
        Denominator = denominator;
    }

    /// <summary>The numerator in lowest terms (carries the sign).</summary>
    public BigInteger Numerator { get; }

    /// <summary>The denominator in lowest terms (positive).</summary>
    public BigInteger Denominator { get; }

    /// <summary>
    /// Parses an answer: optional sign (ASCII '-', '+', or the Unicode minus), an optional '$' or trailing '%',
    /// thousands separators (',' between digits), a decimal point, a trailing '.', or a simple fraction 'a/b'.
    /// Surrounding whitespace and a trailing sentence dot are ignored. Returns false for anything else.
    /// </summary>
    public static bool TryParse(string? text, out NumericAnswer value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        var s = text.Trim().Replace('\u2212', '-').Replace(" ", string.Empty, StringComparison.Ordinal);
        s = s.TrimEnd('.');
        if (s.EndsWith('%'))
        {
            s = s[..^1];
        }

        var negative = false;
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.StartsWith('$'))
        {
            s = s[1..];
        }

        if (s.StartsWith('-') && !negative)
        {
            negative = true;
            s = s[1..];
        }

        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (!TryParseDecimal(s[..slash], out var num) || !TryParseDecimal(s[(slash + 1)..], out var den) || den.Numerator.IsZero)
            {
                return false;
            }

            value = new NumericAnswer(num.Numerator * den.Denominator * (negative ? -1 : 1), num.Denominator * den.Numerator);
            return true;
        }

        if (!TryParseDecimal(s, out var parsed))
        {
            return false;
        }

        value = negative ? new NumericAnswer(-parsed.Numerator, parsed.Denominator) : parsed;
        return true;
    }

    /// <summary>True when both texts parse and are the same number.</summary>
    public static bool AreEquivalent(string? left, string? right) =>
        TryParse(left, out var a) && TryParse(right, out var b) && a == b;

    /// <inheritdoc />
    public override string ToString() =>
        Denominator.IsOne ? Numerator.ToString(CultureInfo.InvariantCulture) : $"{Numerator.ToString(CultureInfo.InvariantCulture)}/{Denominator.ToString(CultureInfo.InvariantCulture)}";

    private static bool TryParseDecimal(string s, out NumericAnswer value)
    {
        value = default;
        if (s.Length == 0)
        {
            return false;
        }

        var dot = s.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? s : s[..dot];
        var fraction = dot < 0 ? string.Empty : s[(dot + 1)..];
        if (!ValidWhole(whole) || !fraction.All(char.IsAsciiDigit) || (whole.Length == 0 && fraction.Length == 0))
        {
            return false;
        }

        var digits = whole.Replace(",", string.Empty, StringComparison.Ordinal) + fraction;
        if (digits.Length == 0 || digits.Length > 200)
        {
            return false;
        }

        var numerator = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        value = new NumericAnswer(numerator, BigInteger.Pow(10, fraction.Length));
        return true;
    }

    private static bool ValidWhole(string whole)
    {
        if (whole.Length == 0)
        {
            return true;
        }

        if (!whole.Contains(',', StringComparison.Ordinal))
        {
            return whole.All(char.IsAsciiDigit);
        }

        // Thousands separators: 1-3 leading digits, then groups of exactly three.
        var groups = whole.Split(',');
        return groups[0].Length is >= 1 and <= 3 && groups.All(g => g.All(char.IsAsciiDigit)) && groups.Skip(1).All(g => g.Length == 3);
    }
}
