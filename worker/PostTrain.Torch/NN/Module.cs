namespace PostTrain.Torch.NN;

/// <summary>
/// Base of layers and models (torch.nn.Module): registered parameters, buffers and submodules, named with
/// dotted paths, a state dict, device/dtype moves, and train/eval mode. Disposing a module frees its tensors.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly OrderedDictionary<string, Parameter> parameters = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor> buffers = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Module> modules = new(StringComparer.Ordinal);
    private bool disposed;

    /// <summary>Whether the module is in training mode (dropout active); see <see cref="Train"/> and <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Every parameter of this module and its descendants, with dotted names ("layers.0.weight").</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var (name, p) in parameters)
        {
            yield return (name, p);
        }

        foreach (var (prefix, m) in modules)
        {
            foreach (var (name, p) in m.NamedParameters())
            {
                yield return ($"{prefix}.{name}", p);
            }
        }
    }

    /// <summary>Every parameter of this module and its descendants.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(x => x.Parameter);

    /// <summary>Every buffer (non-trainable state) of this module and its descendants, with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (name, b) in buffers)
        {
            yield return (name, b);
        }

        foreach (var (prefix, m) in modules)
        {
            foreach (var (name, b) in m.NamedBuffers())
            {
                yield return ($"{prefix}.{name}", b);
            }
        }
    }

    /// <summary>The direct submodules.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => modules.Select(kv => (kv.Key, kv.Value));

    /// <summary>The total number of parameter elements.</summary>
    public long ParameterCount() => Parameters().Sum(p => p.NumberOfElements);

    /// <summary>
    /// Parameters and buffers by dotted name. The values are the module's live tensors (not copies), as in
    /// PyTorch: do not dispose them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in NamedParameters())
        {
            result[name] = p;
        }

        foreach (var (name, b) in NamedBuffers())
        {
            result[name] = b;
        }

        return result;
    }

    /// <summary>
    /// Copies values into the module's parameters and buffers (converting dtype and device). With
    /// <paramref name="strict"/>, missing or unexpected names are an error; a shape mismatch always is.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        if (strict)
        {
            var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                throw new ArgumentException(
                    $"state dict does not match the module: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]",
                    nameof(state));
            }
        }

        using var noGrad = Tensors.NoGrad();
        foreach (var (name, target) in own)
        {
            if (!state.TryGetValue(name, out var source))
            {
                continue;
            }

            var want = target.Shape;
            var got = source.Shape;
            if (!want.SequenceEqual(got))
            {
                throw new ArgumentException($"state dict entry '{name}' has shape [{string.Join(", ", got)}] but the module expects [{string.Join(", ", want)}]", nameof(state));
            }

            target.CopyFrom(source);
        }
    }

    /// <summary>Moves every parameter and buffer to a device, keeping parameter identities (optimisers stay valid).</summary>
    public Module To(Device device) => Convert(t => t.To(device));

    /// <summary>Converts every floating-point parameter and buffer to a dtype.</summary>
    public Module To(ScalarType dtype) => Convert(t => t.DType.IsFloatingPoint() ? t.To(dtype) : t.Alias());

    /// <summary>Switches this module and its descendants to training mode.</summary>
    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var m in modules.Values)
        {
            m.Train(training);
        }

        return this;
    }

    /// <summary>Switches to evaluation mode.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears every parameter's gradient (set to none, as PyTorch does by default).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.Grad = null;
        }
    }

    /// <summary>Frees all parameters, buffers and submodules.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Registers a parameter under a name (no dots) and returns it.</summary>
    protected Parameter RegisterParameter(string name, Parameter parameter)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(parameter);
        parameters[name] = parameter;
        return parameter;
    }

    /// <summary>Registers non-trainable state (e.g. rotary tables); the module takes ownership of the tensor.</summary>
    protected Tensor RegisterBuffer(string name, Tensor buffer)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(buffer);
        buffer.DetachFromDisposeScope();
        buffers[name] = buffer;
        return buffer;
    }

    /// <summary>Registers a submodule under a name and returns it.</summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(module);
        modules[name] = module;
        return module;
    }

    /// <summary>Frees owned tensors and submodules.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposed || !disposing)
        {
            return;
        }

        disposed = true;
        foreach (var p in parameters.Values)
        {
            p.Dispose();
        }

        foreach (var b in buffers.Values)
        {
            b.Dispose();
        }

        foreach (var m in modules.Values)
        {
            m.Dispose();
        }
    }

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid member name (non-empty, no dots)", nameof(name));
        }
    }

    private Module Convert(Func<Tensor, Tensor> convert)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = Tensors.NoGrad();
        foreach (var p in parameters.Values)
        {
            p.SetData(convert(p));
        }

        foreach (var b in buffers.Values)
        {
            b.SetData(convert(b));
        }

        foreach (var m in modules.Values)
        {
            m.Convert(convert);
        }

        return this;
    }
}

/// <summary>A module with a typed forward pass.</summary>
/// <typeparam name="TInput">What the forward pass takes.</typeparam>
/// <typeparam name="TOutput">What it returns.</typeparam>
public abstract class Module<TInput, TOutput> : Module
{
    /// <summary>The forward computation.</summary>
    public abstract TOutput Forward(TInput input);

    /// <summary>Runs <see cref="Forward"/>.</summary>
    public TOutput Call(TInput input) => Forward(input);
}
