namespace PostTrain.Torch;

/// <summary>Element types of a tensor. The values are libtorch's c10::ScalarType codes.</summary>
public enum ScalarType
{
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 0,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 2,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 3,

    /// <summary>Signed 64-bit integer (indices, token ids).</summary>
    Int64 = 4,

    /// <summary>IEEE half precision.</summary>
    Float16 = 5,

    /// <summary>IEEE single precision.</summary>
    Float32 = 6,

    /// <summary>IEEE double precision.</summary>
    Float64 = 7,

    /// <summary>Boolean.</summary>
    Bool = 11,

    /// <summary>Brain floating point (8 exponent bits, 7 mantissa bits).</summary>
    BFloat16 = 15,
}

/// <summary>Facts about <see cref="ScalarType"/> values.</summary>
public static class ScalarTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported scalar type"),
    };

    /// <summary>Whether the type holds floating-point values.</summary>
    public static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>The scalar type that matches a .NET element type.</summary>
    public static ScalarType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return ScalarType.Float32;
        }

        if (typeof(T) == typeof(double))
        {
            return ScalarType.Float64;
        }

        if (typeof(T) == typeof(long))
        {
            return ScalarType.Int64;
        }

        if (typeof(T) == typeof(int))
        {
            return ScalarType.Int32;
        }

        if (typeof(T) == typeof(bool))
        {
            return ScalarType.Bool;
        }

        if (typeof(T) == typeof(Half))
        {
            return ScalarType.Float16;
        }

        if (typeof(T) == typeof(byte))
        {
            return ScalarType.UInt8;
        }

        if (typeof(T) == typeof(sbyte))
        {
            return ScalarType.Int8;
        }

        if (typeof(T) == typeof(short))
        {
            return ScalarType.Int16;
        }

        throw new NotSupportedException($"no tensor element type matches {typeof(T).Name}");
    }
}
