namespace PostTrain.Torch.Optim;

/// <summary>
/// A learning-rate multiplier by step, with the same formulas as Hugging Face's
/// get_constant_schedule_with_warmup, get_linear_schedule_with_warmup and get_cosine_schedule_with_warmup.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Linear warmup from 0 over this many steps.</summary>
    protected LearningRateSchedule(long warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        WarmupSteps = warmupSteps;
    }

    /// <summary>Steps of linear warmup.</summary>
    public long WarmupSteps { get; }

    /// <summary>A constant rate after warmup.</summary>
    public static LearningRateSchedule Constant(long warmupSteps = 0) => new ConstantSchedule(warmupSteps);

    /// <summary>Warmup, then linear decay to 0 at <paramref name="totalSteps"/>.</summary>
    public static LearningRateSchedule Linear(long warmupSteps, long totalSteps) => new LinearSchedule(warmupSteps, totalSteps);

    /// <summary>Warmup, then half a cosine down to <paramref name="minRatio"/> of the base rate at <paramref name="totalSteps"/>.</summary>
    public static LearningRateSchedule Cosine(long warmupSteps, long totalSteps, double minRatio = 0) => new CosineSchedule(warmupSteps, totalSteps, minRatio);

    /// <summary>The multiplier of the base learning rate at a step (0-based).</summary>
    public double Factor(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return step < WarmupSteps ? (double)step / Math.Max(1, WarmupSteps) : AfterWarmup(step);
    }

    /// <summary>The multiplier once warmup is over.</summary>
    protected abstract double AfterWarmup(long step);

    private sealed class ConstantSchedule(long warmupSteps) : LearningRateSchedule(warmupSteps)
    {
        protected override double AfterWarmup(long step) => 1.0;
    }

    private sealed class LinearSchedule : LearningRateSchedule
    {
        private readonly long total;

        public LinearSchedule(long warmupSteps, long totalSteps)
            : base(warmupSteps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, warmupSteps);
            total = totalSteps;
        }

        protected override double AfterWarmup(long step) => Math.Max(0.0, (double)(total - step) / Math.Max(1, total - WarmupSteps));
    }

    private sealed class CosineSchedule : LearningRateSchedule
    {
        private readonly long total;
        private readonly double minRatio;

        public CosineSchedule(long warmupSteps, long totalSteps, double minRatio)
            : base(warmupSteps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, warmupSteps);
            if (minRatio is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(minRatio), minRatio, "must be within [0, 1]");
            }

            total = totalSteps;
            this.minRatio = minRatio;
        }

        protected override double AfterWarmup(long step)
        {
            var progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, total - WarmupSteps));
            var cosine = Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
            return minRatio + ((1 - minRatio) * cosine);
        }
    }
}
