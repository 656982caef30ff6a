using System.Globalization;
using System.Numerics;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>round(x, n)</c> for floats: half to even on the exact binary value (so <c>round(2.675, 2)</c> is 2.67,
/// because 2.675 is stored as 2.67499999...), computed with big integers rather than by scaling, which would round twice.
/// </summary>
internal static class PythonRounding
{
    public static double Round(double value, long digits)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value == 0)
        {
            return value;
        }

        if (digits > 340)
        {
            return value;
        }

        if (digits < -340)
        {
            return 0.0 * Math.Sign(value);
        }

        // value = mantissa * 2^exponent exactly.
        var bits = BitConverter.DoubleToInt64Bits(value);
        var negative = bits < 0;
        var exponentBits = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        int exponent;
        if (exponentBits == 0)
        {
            exponent = -1074;
        }
        else
        {
            mantissa |= 1L << 52;
            exponent = exponentBits - 1075;
        }

        // scaled = value * 10^digits as numerator / denominator.
        var numerator = new BigInteger(mantissa);
        var denominator = BigInteger.One;
        if (exponent >= 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        if (digits >= 0)
        {
            numerator *= BigInteger.Pow(10, (int)digits);
        }
        else
        {
            denominator *= BigInteger.Pow(10, (int)-digits);
        }

        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient += 1;
        }

        var text = (negative ? "-" : string.Empty) + quotient.ToString(CultureInfo.InvariantCulture) + "e" + (-digits).ToString(CultureInfo.InvariantCulture);
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
