namespace PostTrain.Torch;

/// <summary>Restores the previous grad mode of this thread when disposed (see <see cref="Tensors.NoGrad"/>).</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool previous;

    internal GradModeScope(bool enabled)
    {
        previous = Tensors.IsGradEnabled;
        Tensors.SetGradEnabled(enabled);
    }

    /// <summary>Restores the grad mode that was in force before the scope.</summary>
    public void Dispose() => Tensors.SetGradEnabled(previous);
}
