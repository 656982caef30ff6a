namespace PostTrain.Torch;

/// <summary>Restores the previous grad mode of this thread when disposed (see <see cref="Torch.NoGrad"/>).</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool previous;

    internal GradModeScope(bool enabled)
    {
        previous = Torch.IsGradEnabled;
        Torch.SetGradEnabled(enabled);
    }

    /// <summary>Restores the grad mode that was in force before the scope.</summary>
    public void Dispose() => Torch.SetGradEnabled(previous);
}
