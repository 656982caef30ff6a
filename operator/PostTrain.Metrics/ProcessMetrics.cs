using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PostTrain.Metrics;

/// <summary>
/// The "PostTrain.Process" meter: process figures under the names every Prometheus client library uses
/// (process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_start_time_seconds, process_open_fds, process_max_fds, process_num_threads), read when scraped.
/// GC and runtime figures come from .NET's own "System.Runtime" meter.
/// </summary>
public static class ProcessMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "PostTrain.Process";

    private static readonly Lazy<Meter> Instance = new(Create);

    /// <summary>Creates the meter once per process; later calls return the same one.</summary>
    public static Meter EnsureCreated() => Instance.Value;

    private static Meter Create()
    {
        var meter = new Meter(MeterName);
        var startTime = GetStartTime();
        meter.CreateObservableCounter("process.cpu", () => CurrentProcess(p => p.TotalProcessorTime.TotalSeconds), "s", "Total user and system CPU time spent in seconds.");
        meter.CreateObservableGauge("process.resident_memory", () => Environment.WorkingSet, "By", "Resident memory size in bytes.");
        meter.CreateObservableGauge("process.virtual_memory", () => CurrentProcess(p => (double)p.VirtualMemorySize64), "By", "Virtual memory size in bytes.");
        meter.CreateObservableGauge("process.start_time", () => startTime, "s", "Start time of the process since unix epoch in seconds.");
        meter.CreateObservableGauge("process.num_threads", () => CurrentProcess(p => (double)p.Threads.Count), null, "Number of OS threads in the process.");
        if (OperatingSystem.IsLinux())
        {
            meter.CreateObservableGauge("process.open_fds", CountOpenFiles, null, "Number of open file descriptors.");
            meter.CreateObservableGauge("process.max_fds", ReadMaxOpenFiles, null, "Maximum number of open file descriptors.");
        }

        return meter;
    }

    private static double CurrentProcess(Func<Process, double> read)
    {
        using var process = Process.GetCurrentProcess();
        return read(process);
    }

    private static double GetStartTime()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    private static IEnumerable<Measurement<long>> CountOpenFiles()
    {
        long count;
        try
        {
            count = Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }

        yield return new Measurement<long>(count);
    }

    private static IEnumerable<Measurement<double>> ReadMaxOpenFiles()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/limits");
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var line in lines)
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0)
            {
                yield return new Measurement<double>(fields[0] == "unlimited" ? double.PositiveInfinity : double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture));
            }

            yield break;
        }
    }
}
