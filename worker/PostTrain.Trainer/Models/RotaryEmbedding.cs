using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// Rotary position embedding in Hugging Face's half-split convention: a head of width d is split into halves
/// (x₁, x₂) and rotated to (x₁·cos − x₂·sin, x₂·cos + x₁·sin), with frequencies θ^(−2i/d), optionally rescaled
/// llama3-style.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The inverse frequencies, length headDim / 2, with llama3 scaling applied when configured.</summary>
    public static double[] InverseFrequencies(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var half = config.HeadDim / 2;
        var inv = new double[half];
        for (var i = 0; i < half; i++)
        {
            inv[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDim);
        }

        if (config.RopeScaling is { } s)
        {
            var lowWavelength = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
            var highWavelength = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
            for (var i = 0; i < half; i++)
            {
                var wavelength = 2 * Math.PI / inv[i];
                if (wavelength > lowWavelength)
                {
                    inv[i] /= s.Factor;
                }
                else if (wavelength >= highWavelength)
                {
                    var smooth = ((s.OriginalMaxPositionEmbeddings / wavelength) - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                    inv[i] = ((1 - smooth) * inv[i] / s.Factor) + (smooth * inv[i]);
                }
            }
        }

        return inv;
    }

    /// <summary>
    /// cos and sin tables for <paramref name="positionIds"/> [batch, seq], shaped [batch, 1, seq, headDim] to broadcast
    /// over heads, computed in float32 and returned in <paramref name="dtype"/>.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor inverseFrequencies, Tensor positionIds, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        ArgumentNullException.ThrowIfNull(positionIds);
        var angles = positionIds.To(ScalarType.Float32).Unsqueeze(-1) * inverseFrequencies; // [B, T, d/2]
        var doubled = TorchOps.Cat([angles, angles], -1).Unsqueeze(1); // [B, 1, T, d]
        return (doubled.Cos().To(dtype), doubled.Sin().To(dtype));
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, seq, headDim] by the tables.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cos);
        ArgumentNullException.ThrowIfNull(sin);
        if (!TorchOps.IsGradEnabled && x.Device == Device.Cpu && x.DType == ScalarType.Float32 && cos.DType == ScalarType.Float32 && x.Shape[0] == cos.Shape[0])
        {
            return Functional.Rotary(x, cos, sin); // one native pass instead of six ops (generation, scoring)
        }

        var halves = x.Chunk(2, -1);
        var rotated = TorchOps.Cat([-halves[1], halves[0]], -1);
        return (x * cos) + (rotated * sin);
    }
}
