using System.Diagnostics.Metrics;
using PostTrain.Kube.Informers;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Controllers;

/// <summary>The <c>posttrain_jobs{kind,phase}</c> gauge, read from the informer caches at scrape time.</summary>
public static class JobMetrics
{
    /// <summary>Creates the gauge on <paramref name="meter"/>.</summary>
    public static void Register(Meter meter, IReadOnlyDictionary<string, Informer<JobResource>> jobs)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(jobs);
        meter.CreateObservableGauge("posttrain.jobs", () => Observe(jobs), unit: "{job}", description: "PostTrain jobs by kind and phase.");
    }

    private static IEnumerable<Measurement<long>> Observe(IReadOnlyDictionary<string, Informer<JobResource>> jobs)
    {
        foreach (var (kind, informer) in jobs)
        {
            foreach (var group in informer.Cache.List().GroupBy(r => r.ReadStatus().Phase?.ToString() ?? "New"))
            {
                yield return new Measurement<long>(group.LongCount(), new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("phase", group.Key));
            }
        }
    }
}
