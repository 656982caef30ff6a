using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace PostTrain.Torch.Serialization;

/// <summary>
/// A safetensors file opened for reading through a memory map: the header is parsed and validated up front,
/// tensors are materialised on demand straight from the mapped bytes.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;
    private readonly MemoryMappedFile? map;
    private readonly MemoryMappedViewAccessor? view;
    private readonly long dataStart;
    private readonly Dictionary<string, SafeTensorsEntry> entries;

    private SafeTensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, long dataStart, Dictionary<string, SafeTensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        this.map = map;
        this.view = view;
        this.dataStart = dataStart;
        this.entries = entries;
        Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The free-form string metadata ("__metadata__").</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in the file by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorsEntry> Entries => entries;

    /// <summary>Opens and validates a file.</summary>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var length = new FileInfo(path).Length;
        if (length < 8)
        {
            throw new InvalidDataException($"{path}: {length} bytes is too short for a safetensors file (no 8-byte header length)");
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            var headerLength = view.ReadInt64(0);
            if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > length)
            {
                throw new InvalidDataException($"{path}: header length {headerLength} does not fit a file of {length} bytes");
            }

            var header = new byte[headerLength];
            view.ReadArray(8, header, 0, header.Length);
            var dataStart = 8 + headerLength;
            var (entries, metadata) = ParseHeader(path, header, length - dataStart);
            return new SafeTensorsFile(path, map, view, dataStart, entries, metadata);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>Creates one tensor from the mapped bytes (copied into libtorch memory, then moved to <paramref name="device"/>).</summary>
    public unsafe Tensor Load(string name, Device? device = null)
    {
        if (!entries.TryGetValue(name, out var e))
        {
            throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        }

        var accessor = view ?? throw new ObjectDisposedException(nameof(SafeTensorsFile));
        byte* basePtr = null;
        accessor.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            var start = basePtr + accessor.PointerOffset + dataStart + e.Begin;
            var bytes = new ReadOnlySpan<byte>(start, checked((int)(e.End - e.Begin)));
            return Tensors.FromBytes(bytes, e.DType, e.Shape, device);
        }
        finally
        {
            accessor.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Creates every tensor in the file.</summary>
    public Dictionary<string, Tensor> LoadAll(Device? device = null)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in entries.Keys)
        {
            result[name] = Load(name, device);
        }

        return result;
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        view?.Dispose();
        map?.Dispose();
    }

    private static (Dictionary<string, SafeTensorsEntry> Entries, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: the header must be a JSON object");
            }

            var entries = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    }

                    continue;
                }

                entries[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }

            return (entries, metadata);
        }
    }

    private static SafeTensorsEntry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        string Where() => $"{path}: tensor '{name}'";
        if (e.ValueKind != JsonValueKind.Object ||
            !e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String ||
            !e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array ||
            !e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new InvalidDataException($"{Where()} needs dtype (string), shape (array) and data_offsets ([begin, end])");
        }

        var code = dtypeEl.GetString()!;
        var dtype = SafeTensorsEntry.FromCode(code) ?? throw new InvalidDataException($"{Where()} has unsupported dtype '{code}'");
        var shape = shapeEl.EnumerateArray().Select(x => x.TryGetInt64(out var v) && v >= 0 ? v : throw new InvalidDataException($"{Where()} has an invalid shape entry {x.GetRawText()}")).ToArray();
        var begin = offEl[0].TryGetInt64(out var b) ? b : -1;
        var end = offEl[1].TryGetInt64(out var en) ? en : -1;
        if (begin < 0 || end < begin || end > dataLength)
        {
            throw new InvalidDataException($"{Where()} has data_offsets [{begin}, {end}] outside the {dataLength}-byte data section");
        }

        long numel = 1;
        foreach (var d in shape)
        {
            numel = checked(numel * d);
        }

        var expected = checked(numel * dtype.ElementSize());
        if (end - begin != expected)
        {
            throw new InvalidDataException($"{Where()} spans {end - begin} bytes but {code} [{string.Join(", ", shape)}] needs {expected}");
        }

        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }
}
