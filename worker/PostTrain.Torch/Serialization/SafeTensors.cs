using System.Text;
using System.Text.Json;

namespace PostTrain.Torch.Serialization;

/// <summary>Reads and writes the safetensors format that Hugging Face checkpoints use.</summary>
public static class SafeTensors
{
    /// <summary>Loads every tensor of a file (memory-mapped read).</summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.LoadAll(device);
    }

    /// <summary>
    /// Writes tensors (any device; copied to the host) with optional string metadata. The file is written
    /// under a temporary name and renamed into place, so readers never see half a file.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var sizes = new long[names.Count];
        using var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            for (var i = 0; i < names.Count; i++)
            {
                var t = tensors[names[i]];
                var dtype = t.DType;
                var shape = t.Shape;
                sizes[i] = t.NumberOfElements * dtype.ElementSize();
                w.WriteStartObject(names[i]);
                w.WriteString("dtype", SafeTensorsEntry.DTypeCode(dtype));
                w.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + sizes[i]);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += sizes[i];
            }

            w.WriteEndObject();
        }

        // The data section starts 8-byte aligned: pad the header with spaces, as the reference writer does.
        var header = headerStream.ToArray();
        var padded = (header.Length + 7) / 8 * 8;
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> len = stackalloc byte[8];
            BitConverter.TryWriteBytes(len, (long)padded);
            f.Write(len);
            f.Write(header);
            for (var i = header.Length; i < padded; i++)
            {
                f.WriteByte((byte)' ');
            }

            for (var i = 0; i < names.Count; i++)
            {
                var buffer = new byte[sizes[i]];
                tensors[names[i]].CopyBytesTo(buffer);
                f.Write(buffer);
            }
        }

        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The JSON header of a file as text (for diagnostics).</summary>
    public static string ReadHeader(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> len = stackalloc byte[8];
        f.ReadExactly(len);
        var n = BitConverter.ToInt64(len);
        if (n <= 0 || n > f.Length - 8)
        {
            throw new InvalidDataException($"{path}: header length {n} does not fit the file");
        }

        var buf = new byte[n];
        f.ReadExactly(buf);
        return Encoding.UTF8.GetString(buf).TrimEnd();
    }
}
