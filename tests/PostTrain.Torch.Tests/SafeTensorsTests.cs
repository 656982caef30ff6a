using System.Text;
using PostTrain.Torch;
using PostTrain.Torch.Serialization;

namespace PostTrain.Torch.Tests;

public class SafeTensorsTests
{
    [Fact]
    public void Round_trips_f32_f16_bf16_i64_with_metadata_and_an_aligned_sorted_header()
    {
        var path = Temp();
        try
        {
            using var scope = TorchScope.NewDisposeScope();
            var tensors = new Dictionary<string, Tensor>
            {
                ["b.f32"] = Tensors.Arange(0, 6, 1).View(2, 3),
                ["a.f16"] = Tensors.FromArray(new[] { 0.5f, -2f }).To(ScalarType.Float16),
                ["c.bf16"] = Tensors.FromArray(new[] { 1.5f, 3f, -0.25f }).To(ScalarType.BFloat16),
                ["d.i64"] = Tensors.FromArray(new[] { long.MaxValue, -1L }),
            };
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            var bytes = File.ReadAllBytes(path);
            var headerLength = BitConverter.ToInt64(bytes, 0);
            (headerLength % 8).ShouldBe(0);
            var header = SafeTensors.ReadHeader(path);
            header.IndexOf("a.f16", StringComparison.Ordinal).ShouldBeLessThan(header.IndexOf("b.f32", StringComparison.Ordinal));
            header.ShouldContain("\"BF16\"");

            using var file = SafeTensorsFile.Open(path);
            file.Metadata["format"].ShouldBe("pt");
            file.Entries["c.bf16"].DType.ShouldBe(ScalarType.BFloat16);
            file.Entries["b.f32"].Shape.ShouldBe([2L, 3L]);
            foreach (var (name, t) in tensors)
            {
                var back = file.Load(name);
                back.DType.ShouldBe(t.DType);
                back.Shape.ShouldBe(t.Shape);
                back.To(ScalarType.Float64).ToArray<double>().ShouldBe(t.To(ScalarType.Float64).ToArray<double>());
            }

            file.Load("d.i64").ToArray<long>().ShouldBe([long.MaxValue, -1L]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Corrupt_files_are_rejected_with_the_file_and_tensor_named()
    {
        var path = Temp();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            Should.Throw<InvalidDataException>(() => SafeTensorsFile.Open(path)).Message.ShouldContain(path);

            Write(path, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8);
            Should.Throw<InvalidDataException>(() => SafeTensorsFile.Open(path)).Message.ShouldContain("tensor 'w'");

            Write(path, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
            Should.Throw<InvalidDataException>(() => SafeTensorsFile.Open(path)).Message.ShouldContain("needs 12");

            Write(path, "{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
            Should.Throw<InvalidDataException>(() => SafeTensorsFile.Open(path)).Message.ShouldContain("unsupported dtype 'C64'");

            Write(path, "not json", 0);
            Should.Throw<InvalidDataException>(() => SafeTensorsFile.Open(path)).Message.ShouldContain("not valid JSON");

            var bytes = new byte[16];
            BitConverter.TryWriteBytes(bytes, 1L << 40);
            File.WriteAllBytes(path, bytes);
            Should.Throw<InvalidDataException>(() => SafeTensorsFile.Open(path)).Message.ShouldContain("header length");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), $"pt-st-{Guid.NewGuid():N}.safetensors");

    private static void Write(string path, string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((long)h.Length));
        f.Write(h);
        f.Write(new byte[dataBytes]);
    }
}
