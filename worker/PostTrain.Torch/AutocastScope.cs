namespace PostTrain.Torch;

/// <summary>
/// Automatic mixed precision for a region (torch.autocast): eligible ops such as matmul and linear run in
/// the given lower precision while the weights stay float32. Restores the previous state when disposed.
/// </summary>
public readonly struct AutocastScope : IDisposable
{
    private readonly DeviceType device;
    private readonly bool previous;

    internal AutocastScope(DeviceType device, ScalarType dtype)
    {
        this.device = device;
        NativeMethods.Check(NativeMethods.Autocast((int)device, 1, (int)dtype, out var was));
        previous = was != 0;
    }

    /// <summary>Turns autocast off again (unless it was on before the scope).</summary>
    public void Dispose()
    {
        if (!previous)
        {
            NativeMethods.Check(NativeMethods.Autocast((int)device, 0, 0, out _));
        }
    }
}
