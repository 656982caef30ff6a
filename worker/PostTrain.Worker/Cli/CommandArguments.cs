using System.Globalization;

namespace PostTrain.Worker.Cli;

/// <summary>
/// The arguments of one subcommand: positional values and <c>--name value</c> / <c>--flag</c> options. Small on purpose:
/// the worker has four subcommands and a dozen options.
/// </summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CommandArguments(List<string> positional) => Positional = positional;

    /// <summary>Values that are not options, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>Parses <paramref name="args"/>; <paramref name="flags"/> are the options that take no value.</summary>
    /// <exception cref="UsageException">An option is missing its value.</exception>
    public static CommandArguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flags);
        var positional = new List<string>();
        var result = new CommandArguments(positional);
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a == "--")
            {
                positional.Add(a);
                continue;
            }

            var eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? a[2..eq] : a[2..];
            if (flags.Contains(name))
            {
                result._options[name] = eq > 0 ? a[(eq + 1)..] : "true";
            }
            else if (eq > 0)
            {
                result._options[name] = a[(eq + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                result._options[name] = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value");
            }
        }

        return result;
    }

    /// <summary>A string option, or <paramref name="fallback"/>.</summary>
    public string? String(string name, string? fallback = null)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var v) ? v : fallback;
    }

    /// <summary>A required string option.</summary>
    public string Required(string name) => String(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>An integer option.</summary>
    public int Int(string name, int fallback) => Parse(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>A floating-point option.</summary>
    public double Double(string name, double fallback) => Parse(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>A flag.</summary>
    public bool Flag(string name) => Parse(name, false, bool.Parse);

    /// <summary>Throws for options no one asked for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }

    private T Parse<T>(string name, T fallback, Func<string, T> parse)
    {
        var value = String(name);
        if (value is null)
        {
            return fallback;
        }

        try
        {
            return parse(value);
        }
        catch (FormatException)
        {
            throw new UsageException($"--{name}: '{value}' is not a valid {typeof(T).Name.ToLowerInvariant()}");
        }
    }
}
