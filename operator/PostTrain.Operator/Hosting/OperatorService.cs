using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Controllers;
using PostTrain.Operator.Controllers;

namespace PostTrain.Operator.Hosting;

/// <summary>Runs the controller manager for the life of the host; losing the lease stops the process (exit 1).</summary>
public sealed class OperatorService(OperatorSetup setup, IHostApplicationLifetime lifetime, ILogger<OperatorService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await setup.Manager.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (LeadershipLostException e)
        {
            logger.LogError(e, "leadership lost; exiting so a fresh replica can take over");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}
