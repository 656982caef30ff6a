using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Python's <c>datetime.strftime</c> in the C locale, for transformers' <c>strftime_now</c> (Llama 3.1 writes
/// <c>strftime_now("%d %b %Y")</c>): <c>%a %A %b %B %d %e %H %I %j %m %M %p %S %f %y %Y %Z %z %%</c>, glibc's
/// <c>%-d</c> (no padding). Other directives fail, naming them.
/// </summary>
internal static class PythonStrftime
{
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Format(DateTime time, string format)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            var noPad = format[i + 1] == '-' && i + 2 < format.Length;
            if (noPad)
            {
                i++;
            }

            var d = format[++i];
            string Number(int value, int width) => value.ToString(CultureInfo.InvariantCulture).PadLeft(noPad ? 0 : width, '0');
            sb.Append(d switch
            {
                'a' => Days[(int)time.DayOfWeek][..3],
                'A' => Days[(int)time.DayOfWeek],
                'b' or 'h' => Months[time.Month - 1][..3],
                'B' => Months[time.Month - 1],
                'd' => Number(time.Day, 2),
                'e' => noPad ? Number(time.Day, 0) : time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'H' => Number(time.Hour, 2),
                'I' => Number(time.Hour % 12 == 0 ? 12 : time.Hour % 12, 2),
                'j' => Number(time.DayOfYear, 3),
                'm' => Number(time.Month, 2),
                'M' => Number(time.Minute, 2),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'S' => Number(time.Second, 2),
                'f' => ((time.Ticks % TimeSpan.TicksPerSecond) / 10).ToString("000000", CultureInfo.InvariantCulture),
                'y' => Number(time.Year % 100, 2),
                'Y' => time.Year.ToString(CultureInfo.InvariantCulture),
                'Z' or 'z' => string.Empty,
                '%' => "%",
                _ => throw new JinjaRuntimeError($"strftime_now: the directive '%{d}' is not supported"),
            });
        }

        return sb.ToString();
    }
}
