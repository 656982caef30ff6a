using System.Globalization;

namespace PostTrain.Torch;

/// <summary>A device such as <c>cpu</c> or <c>cuda:1</c>.</summary>
/// <param name="Type">The kind of device.</param>
/// <param name="Index">The device ordinal (-1 for the CPU).</param>
public readonly record struct Device(DeviceType Type, int Index)
{
    /// <summary>The host.</summary>
    public static Device Cpu { get; } = new(DeviceType.Cpu, -1);

    /// <summary>A CUDA device.</summary>
    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new Device(DeviceType.Cuda, index);
    }

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu")
        {
            return Cpu;
        }

        if (t == "cuda")
        {
            return Cuda(0);
        }

        if (t.StartsWith("cuda:", StringComparison.Ordinal) &&
            int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return Cuda(index);
        }

        throw new FormatException($"'{text}' is not a device; expected cpu, cuda or cuda:N");
    }

    /// <summary>Whether this is a CUDA device.</summary>
    public bool IsCuda => Type == DeviceType.Cuda;

    /// <inheritdoc/>
    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
