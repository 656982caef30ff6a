using System.Text.Json;
using PostTrain.Torch;

namespace PostTrain.Torch.Tests;

/// <summary>Reads golden/ops.json (written by golden/make_golden.py with python3-torch).</summary>
internal static class Golden
{
    private static readonly Lazy<Dictionary<string, GoldenCase>> Cases = new(Load);

    public static IReadOnlyDictionary<string, GoldenCase> All => Cases.Value;

    public static GoldenCase Get(string name) => Cases.Value[name];

    public static Tensor ToTensor(JsonElement e)
    {
        var dtype = e.GetProperty("dtype").GetString();
        var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        return dtype switch
        {
            "f32" => Tensors.FromSpan<float>(data.Select(x => (float)x).ToArray(), shape),
            "f64" => Tensors.FromSpan<double>(data, shape),
            "i64" => Tensors.FromSpan<long>(data.Select(x => (long)x).ToArray(), shape),
            "i32" => Tensors.FromSpan<int>(data.Select(x => (int)x).ToArray(), shape),
            "bool" => Tensors.FromSpan<bool>(data.Select(x => x != 0).ToArray(), shape),
            "bf16" => Tensors.FromSpan<double>(data, shape).To(ScalarType.BFloat16),
            "f16" => Tensors.FromSpan<double>(data, shape).To(ScalarType.Float16),
            _ => throw new InvalidDataException($"unknown golden dtype {dtype}"),
        };
    }

    public static ScalarType DTypeOf(string code) => code switch
    {
        "f32" => ScalarType.Float32,
        "f64" => ScalarType.Float64,
        "i64" => ScalarType.Int64,
        "i32" => ScalarType.Int32,
        "bool" => ScalarType.Bool,
        "bf16" => ScalarType.BFloat16,
        "f16" => ScalarType.Float16,
        _ => throw new InvalidDataException(code),
    };

    /// <summary>Asserts shape, dtype and values (within tol·(1+|expected|) for floats, exactly otherwise).</summary>
    public static void AssertMatches(Tensor actual, JsonElement expected, double tol, string what)
    {
        var shape = expected.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var dtype = DTypeOf(expected.GetProperty("dtype").GetString()!);
        var want = expected.GetProperty("data").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        actual.Shape.ShouldBe(shape, $"{what}: shape");
        actual.DType.ShouldBe(dtype, $"{what}: dtype");
        using var asDouble = actual.To(ScalarType.Float64);
        var got = asDouble.ToArray<double>();
        got.Length.ShouldBe(want.Length, $"{what}: element count");
        for (var i = 0; i < got.Length; i++)
        {
            if (dtype.IsFloatingPoint())
            {
                Math.Abs(got[i] - want[i]).ShouldBeLessThanOrEqualTo(tol * (1 + Math.Abs(want[i])), $"{what}[{i}]: got {got[i]}, want {want[i]}");
            }
            else
            {
                got[i].ShouldBe(want[i], $"{what}[{i}]");
            }
        }
    }

    private static Dictionary<string, GoldenCase> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "golden", "ops.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var result = new Dictionary<string, GoldenCase>(StringComparer.Ordinal);
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString()!;
            result[name] = new GoldenCase(
                name,
                c.GetProperty("tol").GetDouble(),
                c.GetProperty("inputs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
                c.GetProperty("outputs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
        }

        return result;
    }
}

internal sealed record GoldenCase(string Name, double Tolerance, Dictionary<string, JsonElement> Inputs, Dictionary<string, JsonElement> Outputs);
