using System.Globalization;
using PostTrain.Torch.NN;
using PostTrain.Torch.Serialization;

namespace PostTrain.Torch.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter; torch.optim.AdamW): p ← p·(1 − lr·wd), then the
/// bias-corrected Adam update. One native call updates every parameter. Parameters without a gradient are skipped.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly List<Parameter> parameters = [];
    private readonly List<double> weightDecays = [];
    private Tensor[]? expAvg;
    private Tensor[]? expAvgSq;

    /// <summary>Creates the optimiser over one group of parameters.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
        : this([new ParameterGroup(parameters.ToList())], learningRate, beta1, beta2, eps, weightDecay)
    {
    }

    /// <summary>Creates the optimiser over parameter groups with their own weight decay.</summary>
    public AdamW(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"betas must be in [0, 1): got {beta1}, {beta2}");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(learningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        foreach (var g in groups)
        {
            foreach (var p in g.Parameters)
            {
                parameters.Add(p);
                weightDecays.Add(g.WeightDecay ?? weightDecay);
            }
        }

        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    /// <summary>The learning rate of the next step (schedules set it).</summary>
    public double LearningRate { get; set; }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public double Eps { get; }

    /// <summary>
    /// Update with libtorch's multi-tensor (foreach) kernels, a handful of launches for all parameters, instead of a
    /// few per parameter: what torch.optim.AdamW does by default on CUDA. Null (the default) chooses it for CUDA
    /// parameters; the arithmetic is the same either way.
    /// </summary>
    public bool? MultiTensor { get; set; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameters, in the order their state is kept.</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public unsafe void Step()
    {
        EnsureState();
        StepCount++;
        var n = parameters.Count;
        var p = new IntPtr[n];
        var m = new IntPtr[n];
        var v = new IntPtr[n];
        var wd = weightDecays.ToArray();
        for (var i = 0; i < n; i++)
        {
            p[i] = parameters[i].Handle;
            m[i] = expAvg![i].Handle;
            v[i] = expAvgSq![i].Handle;
        }

        fixed (IntPtr* pp = p, mp = m, vp = v)
        fixed (double* wp = wd)
        {
            var multiTensor = MultiTensor ?? (n > 0 && parameters[0].Device.IsCuda);
            var s = NativeMethods.AdamWStep(pp, mp, vp, wp, n, LearningRate, Beta1, Beta2, Eps, StepCount, multiTensor ? 1 : 0);
            GC.KeepAlive(parameters);
            GC.KeepAlive(expAvg);
            GC.KeepAlive(expAvgSq);
            NativeMethods.Check(s);
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            p.Grad = null;
        }
    }

    /// <summary>
    /// The moment estimates by name ("exp_avg.{i}", "exp_avg_sq.{i}", i = parameter index) and the step count.
    /// The tensors are the optimiser's own: do not dispose them.
    /// </summary>
    public (long Step, IReadOnlyDictionary<string, Tensor> Tensors) GetState()
    {
        EnsureState();
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            d[$"exp_avg.{i}"] = expAvg![i];
            d[$"exp_avg_sq.{i}"] = expAvgSq![i];
        }

        return (StepCount, d);
    }

    /// <summary>Restores moment estimates and the step count saved by <see cref="GetState"/> (values are copied).</summary>
    public void LoadState(long step, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        EnsureState();
        using var noGrad = Tensors.NoGrad();
        for (var i = 0; i < parameters.Count; i++)
        {
            Copy($"exp_avg.{i}", expAvg![i]);
            Copy($"exp_avg_sq.{i}", expAvgSq![i]);
        }

        StepCount = step;

        void Copy(string name, Tensor target)
        {
            if (!tensors.TryGetValue(name, out var source))
            {
                throw new ArgumentException($"optimizer state lacks '{name}' ({parameters.Count} parameters expected)", nameof(tensors));
            }

            if (!source.Shape.SequenceEqual(target.Shape))
            {
                throw new ArgumentException($"optimizer state '{name}' has shape [{string.Join(", ", source.Shape)}], expected [{string.Join(", ", target.Shape)}]", nameof(tensors));
            }

            target.CopyFrom(source);
        }
    }

    /// <summary>Writes the state to a safetensors file (step and learning rate in its metadata).</summary>
    public void Save(string path)
    {
        var (step, tensors) = GetState();
        SafeTensors.Save(path, tensors, new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["lr"] = LearningRate.ToString("R", CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Reads state written by <see cref="Save"/>.</summary>
    public void Load(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("step", out var stepText) || !long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
        {
            throw new InvalidDataException($"{path}: optimizer state has no valid 'step' in its metadata");
        }

        using var scope = TorchScope.NewDisposeScope();
        var tensors = file.LoadAll();
        LoadState(step, tensors);
        if (file.Metadata.TryGetValue("lr", out var lrText) && double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lr))
        {
            LearningRate = lr;
        }
    }

    /// <summary>Frees the moment estimates (not the parameters).</summary>
    public void Dispose()
    {
        foreach (var t in expAvg ?? [])
        {
            t.Dispose();
        }

        foreach (var t in expAvgSq ?? [])
        {
            t.Dispose();
        }

        expAvg = null;
        expAvgSq = null;
    }

    private void EnsureState()
    {
        if (expAvg is not null)
        {
            return;
        }

        var m = new Tensor[parameters.Count];
        var v = new Tensor[parameters.Count];
        for (var i = 0; i < parameters.Count; i++)
        {
            m[i] = Tensors.ZerosLike(parameters[i]).DetachFromDisposeScope();
            v[i] = Tensors.ZerosLike(parameters[i]).DetachFromDisposeScope();
        }

        expAvg = m;
        expAvgSq = v;
    }
}
