using System.Diagnostics.Metrics;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Controllers;

/// <summary>The <c>posttrain_jobs{kind,phase}</c> gauge, read from the informer caches at scrape time.</summary>
public static class JobMetrics
{
    /// <summary>Creates the gauge on <paramref name="meter"/>.</summary>
    public static void Register(Meter meter, IReadOnlyList<NamespaceScope> scopes)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(scopes);
        meter.CreateObservableGauge("posttrain.jobs", () => Observe(scopes), unit: "{job}", description: "PostTrain jobs by kind and phase.");
    }

    private static IEnumerable<Measurement<long>> Observe(IReadOnlyList<NamespaceScope> scopes)
    {
        foreach (var kind in JobKinds.All.Select(k => k.Kind))
        {
            foreach (var group in scopes.SelectMany(s => s.Jobs[kind].Cache.List()).GroupBy(r => r.ReadStatus().Phase?.ToString() ?? "New"))
            {
                yield return new Measurement<long>(group.LongCount(), new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("phase", group.Key));
            }
        }
    }
}
