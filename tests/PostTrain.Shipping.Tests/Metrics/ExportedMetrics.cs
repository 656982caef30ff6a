using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Api.Worker;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Metrics;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Workers;
using PostTrain.Worker.Observability;

namespace PostTrain.Shipping.Tests.Metrics;

/// <summary>
/// The Prometheus sample names the code exports, collected from the code itself: every instrument published on the
/// worker's and the operator's meters (created by constructing <see cref="WorkerMetrics"/> and wiring an
/// <see cref="OperatorSetup"/>, which runs nothing) named by <see cref="PrometheusNames"/> the way the exposition
/// names them; plus what a real scrape of the worker's collector shows (process and runtime families included).
/// </summary>
public static partial class ExportedMetrics
{
    private static readonly string[] Meters = [WorkerMetrics.MeterName, OperatorSetup.MeterName, ProcessMetrics.MeterName];

    /// <summary>Sample names computed from the published instruments (histograms with _bucket/_sum/_count, counters with _total).</summary>
    public static IReadOnlySet<string> FromInstruments()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (Meters.Contains(instrument.Meter.Name))
                {
                    foreach (var sample in SampleNames(instrument))
                    {
                        lock (names)
                        {
                            names.Add(sample);
                        }
                    }
                }
            },
        };
        listener.Start();
        using (new WorkerMetrics())
        using (var client = new KubernetesClient(KubeClientConfig.ForServer(new Uri("http://127.0.0.1:9/"))))
        using (var meter = new Meter(OperatorSetup.MeterName))
        {
            ProcessMetrics.EnsureCreated();
            OperatorSetup.Create(client, new OperatorSettings(), new NoWorkers(), meter, NullLoggerFactory.Instance);
        }

        lock (names)
        {
            return names.ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// A real scrape of the worker's collector (as posttrain-worker run configures it) after one recorded step
    /// with every training figure: its sample names.
    /// </summary>
    public static async Task<IReadOnlySet<string>> ScrapeWorkerAsync() => SampleNamesOf(await ScrapeWorkerTextAsync());

    /// <summary>
    /// A real scrape of the worker's collector (as posttrain-worker run configures it: worker, process and runtime meters)
    /// after one recorded step with every training figure, in the text format 0.0.4.
    /// </summary>
    public static async Task<string> ScrapeWorkerTextAsync()
    {
        var options = new PrometheusOptions();
        options.Meters.Add(WorkerMetrics.MeterName);
        using var collector = new PrometheusCollector(options);
        using var metrics = new WorkerMetrics();
        metrics.SetJob("team-a", "rlvr", "RlvrJob");
        metrics.Record(1, 10, WorkerMetrics.Gauges.Keys.ToDictionary(k => k, _ => 0.5, StringComparer.Ordinal));
        return await collector.ScrapeAsync(ExpositionFormat.PrometheusText);
    }

    /// <summary>The sample names in a text exposition.</summary>
    public static IReadOnlySet<string> SampleNamesOf(string exposition)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        return exposition.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => SampleName().Match(l).Value)
            .Where(n => n.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> SampleNames(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        var isGauge = generic == typeof(ObservableGauge<>) || generic == typeof(Gauge<>) || generic == typeof(UpDownCounter<>) || generic == typeof(ObservableUpDownCounter<>);
        var family = PrometheusNames.FamilyName(instrument.Name, instrument.Unit, isGauge);
        if (generic == typeof(Histogram<>))
        {
            return [family + "_bucket", family + "_sum", family + "_count"];
        }

        return generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>) ? [PrometheusNames.CounterSampleName(family)] : [family];
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();

    private sealed class NoWorkers : IWorkerStatusClient
    {
        public Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken) => Task.FromResult<WorkerStatus?>(null);
    }
}
