namespace PostTrain.NodeAgent.Processes;

/// <summary>
/// A wake-up signal for one loop: take <see cref="Next"/> before looking at the state it guards, then await it;
/// every <see cref="Set"/> after that completes it, so no change is missed.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <see cref="Set"/> is next called.</summary>
    public Task Next
    {
        get
        {
            lock (_gate)
            {
                return _current.Task;
            }
        }
    }

    /// <summary>Wakes whoever awaits <see cref="Next"/>.</summary>
    public void Set()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _current;
            _current = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
