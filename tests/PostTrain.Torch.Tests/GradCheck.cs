using PostTrain.Torch;

namespace PostTrain.Torch.Tests;

/// <summary>Finite-difference gradient checks in float64: autograd's gradient of sum(f(x) · w) against central differences.</summary>
internal static class GradCheck
{
    public static void Check(string what, Func<Tensor[], Tensor> f, params (double[] Data, long[] Shape)[] inputs)
    {
        const double eps = 1e-6;
        const double tol = 1e-5;
        using var scope = TorchScope.NewDisposeScope();
        var values = inputs.Select(x => (double[])x.Data.Clone()).ToArray();

        // A fixed random weighting makes every output element matter to the scalar.
        long[] outShape;
        using (var probe = TorchScope.NewDisposeScope())
        {
            outShape = f(Build(values, inputs, false)).Shape;
        }

        using var gen = new Generator(99);
        var weight = Tensors.RandN(outShape, ScalarType.Float64, generator: gen);

        double Eval(double[][] v)
        {
            using var s = TorchScope.NewDisposeScope();
            return (f(Build(v, inputs, false)) * weight).Sum().Item<double>();
        }

        var leaves = Build(values, inputs, true);
        (f(leaves) * weight).Sum().Backward();
        for (var k = 0; k < inputs.Length; k++)
        {
            var analytic = leaves[k].Grad?.ToArray<double>() ?? new double[values[k].Length];
            for (var j = 0; j < values[k].Length; j++)
            {
                var orig = values[k][j];
                values[k][j] = orig + eps;
                var plus = Eval(values);
                values[k][j] = orig - eps;
                var minus = Eval(values);
                values[k][j] = orig;
                var numeric = (plus - minus) / (2 * eps);
                Math.Abs(analytic[j] - numeric).ShouldBeLessThanOrEqualTo(tol * (1 + Math.Abs(numeric)), $"{what}: d/d input{k}[{j}] autograd {analytic[j]} vs numeric {numeric}");
            }
        }
    }

    public static (double[] Data, long[] Shape) Rand(int seed, params long[] shape)
    {
        var rng = new Random(seed);
        var n = shape.Aggregate(1L, (a, b) => a * b);
        return (Enumerable.Range(0, (int)n).Select(_ => (rng.NextDouble() * 2) - 1).ToArray(), shape);
    }

    public static (double[] Data, long[] Shape) Positive(int seed, params long[] shape)
    {
        var (d, s) = Rand(seed, shape);
        return (d.Select(x => Math.Abs(x) + 0.2).ToArray(), s);
    }

    private static Tensor[] Build(double[][] values, (double[] Data, long[] Shape)[] inputs, bool requiresGrad)
    {
        var result = new Tensor[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = Tensors.FromSpan<double>(values[i], inputs[i].Shape);
            if (requiresGrad)
            {
                result[i].RequiresGrad = true;
            }
        }

        return result;
    }
}
