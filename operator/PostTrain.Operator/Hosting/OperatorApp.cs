using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Leader;
using PostTrain.Metrics;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Workers;

namespace PostTrain.Operator.Hosting;

/// <summary>Builds the operator's ASP.NET Core application: controllers, /metrics, /healthz, /readyz.</summary>
public static class OperatorApp
{
    /// <summary>Builds the app for <paramref name="config"/> (nothing runs until the app starts).</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="workers">The worker /status client; null for HTTP.</param>
    public static WebApplication Build(OperatorConfiguration config, IWorkerStatusClient? workers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://0.0.0.0:{config.Port}");
        // This app's own meter instance: another operator host in the same process (tests) has a meter of the same name.
        var meter = new Meter(OperatorSetup.MeterName);
        builder.Services.AddPrometheusMetrics(o =>
        {
            o.Meters.Add(OperatorSetup.MeterName);
            o.MeterFilter = m => ReferenceEquals(m, meter);
            o.HistogramBuckets["posttrain_reconcile_duration_seconds"] = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
        });
        builder.Services.AddSingleton(_ => meter);
        builder.Services.AddSingleton(_ => new KubernetesClient(ClientConfiguration(config)));
        builder.Services.AddSingleton<IWorkerStatusClient>(sp => workers ?? new HttpWorkerStatusClient(logger: sp.GetRequiredService<ILogger<HttpWorkerStatusClient>>()));
        builder.Services.AddSingleton(sp => OperatorSetup.Create(
            sp.GetRequiredService<KubernetesClient>(),
            new OperatorSettings
            {
                Namespaces = config.Namespaces,
                Concurrency = config.Concurrency,
                Identity = config.Identity,
                Workload = new WorkloadOptions { DefaultImage = config.WorkerImage, GpuResourceName = config.GpuResourceName },
                LeaderElection = config.LeaderElect
                    ? new LeaderElectionOptions { LeaseName = config.LeaseName, LeaseNamespace = config.LeaseNamespace, Identity = config.Identity }
                    : null,
            },
            sp.GetRequiredService<IWorkerStatusClient>(),
            sp.GetRequiredService<Meter>(),
            sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService<OperatorService>();

        var app = builder.Build();
        app.MapPrometheus("/metrics");
        app.Services.GetRequiredService<OperatorSetup>().Manager.MapHealthEndpoints(app);
        return app;
    }

    private static k8s.KubernetesClientConfiguration ClientConfiguration(OperatorConfiguration config) =>
        config.Server is { } server
            ? KubeClientConfig.ForServer(server)
            : config.Kubeconfig is not null || config.Context is not null
                ? KubeClientConfig.FromKubeconfig(config.Kubeconfig, config.Context)
                : KubeClientConfig.Default();
}
