namespace PostTrain.Torch;

/// <summary>Entry points for dispose scopes.</summary>
public static class TorchScope
{
    /// <summary>Opens a dispose scope on this thread: <c>using var scope = TorchScope.NewDisposeScope();</c>.</summary>
    public static DisposeScope NewDisposeScope() => new();
}
