namespace PostTrain.Kube.Controllers;

/// <summary>Something a manager runs until shutdown (controllers, leader-only tasks).</summary>
public interface IRunnable
{
    /// <summary>Runs until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
