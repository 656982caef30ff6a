using System.CommandLine;

namespace PostTrain.Benchmarks;

/// <summary>Options several benchmarks share, each made fresh for the command that adds it.</summary>
internal static class BenchOptions
{
    /// <summary><c>--threads N</c>: libtorch (and BLAS) threads on both sides.</summary>
    public static Option<int> Threads(int fallback) => Int("--threads", "libtorch and BLAS threads, on both sides of a comparison.", fallback);

    /// <summary><c>--rounds N</c>: how often each measurement repeats.</summary>
    public static Option<int> Rounds(int fallback) => Int("--rounds", "Rounds of each measurement (sides alternate; the median is reported).", fallback);

    /// <summary><c>--python PATH</c>: the python3 with torch for the reference side.</summary>
    public static Option<string> Python() => new("--python")
    {
        Description = "The python3 (with torch) that runs the reference side.",
        HelpName = "PATH",
        DefaultValueFactory = _ => "/usr/bin/python3",
    };

    /// <summary>An integer option with a default.</summary>
    public static Option<int> Int(string name, string description, int fallback) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => fallback,
    };

    /// <summary>A text option with a default.</summary>
    public static Option<string> Text(string name, string description, string helpName, string fallback) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => fallback,
    };
}
