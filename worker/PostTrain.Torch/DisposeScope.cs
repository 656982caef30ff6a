namespace PostTrain.Torch;

/// <summary>
/// Frees every tensor created on this thread while it is the innermost scope, when it is disposed
/// (TorchSharp's <c>NewDisposeScope</c>). Create one with <see cref="TorchScope.NewDisposeScope"/>.
/// Keep a result past the scope with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Detach"/>.
/// Module parameters and optimiser state are never owned by a scope.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic]
    private static DisposeScope? current;

    private readonly List<Tensor> owned = [];
    private bool disposed;

    internal DisposeScope()
    {
        Outer = current;
        current = this;
    }

    /// <summary>The innermost scope on this thread, if any.</summary>
    public static DisposeScope? Current => current;

    /// <summary>The scope that was innermost when this one was created.</summary>
    public DisposeScope? Outer { get; }

    /// <summary>How many tensors this scope will free when disposed.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var t in owned)
            {
                if (ReferenceEquals(t.Scope, this) && !t.IsDisposed)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>Takes a tensor out of this scope: the caller now owns it and must dispose it.</summary>
    public T Detach<T>(T tensor)
        where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(tensor.Scope, this))
        {
            tensor.Scope = null;
        }

        return tensor;
    }

    /// <summary>Moves a tensor from this scope to the outer one (or to the caller when there is none).</summary>
    public T MoveToOuter<T>(T tensor)
        where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(tensor.Scope, this))
        {
            tensor.Scope = null;
            Outer?.Register(tensor);
        }

        return tensor;
    }

    /// <summary>Frees every tensor the scope still owns and makes the outer scope current again.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var t in owned)
        {
            if (ReferenceEquals(t.Scope, this))
            {
                t.Scope = null;
                t.Dispose();
            }
        }

        owned.Clear();
        if (ReferenceEquals(current, this))
        {
            current = Outer;
        }
    }

    internal static void RegisterInCurrent(Tensor tensor) => current?.Register(tensor);

    internal void Register(Tensor tensor)
    {
        if (disposed)
        {
            return;
        }

        tensor.Scope = this;
        owned.Add(tensor);
    }
}
