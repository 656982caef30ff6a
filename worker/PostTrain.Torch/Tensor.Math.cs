namespace PostTrain.Torch;

/// <summary>Elementwise arithmetic, comparison and their operators.</summary>
public partial class Tensor
{
    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Binary(OpCode.Add, b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => a.Scalar(OpCode.Add, b, false);

    /// <summary>Adds an integer scalar (keeps integer dtypes).</summary>
    public static Tensor operator +(Tensor a, long b) => a.Scalar(OpCode.Add, b, true);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => b.Scalar(OpCode.Add, a, false);

    /// <summary>Adds an integer scalar.</summary>
    public static Tensor operator +(long a, Tensor b) => b.Scalar(OpCode.Add, a, true);

    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Binary(OpCode.Sub, b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => a.Scalar(OpCode.Sub, b, false);

    /// <summary>Subtracts an integer scalar.</summary>
    public static Tensor operator -(Tensor a, long b) => a.Scalar(OpCode.Sub, b, true);

    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => b.Scalar(OpCode.ReverseSub, a, false);

    /// <summary>Integer scalar minus tensor.</summary>
    public static Tensor operator -(long a, Tensor b) => b.Scalar(OpCode.ReverseSub, a, true);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Unary(OpCode.Neg);

    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Binary(OpCode.Mul, b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => a.Scalar(OpCode.Mul, b, false);

    /// <summary>Multiplies by an integer scalar.</summary>
    public static Tensor operator *(Tensor a, long b) => a.Scalar(OpCode.Mul, b, true);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => b.Scalar(OpCode.Mul, a, false);

    /// <summary>Multiplies by an integer scalar.</summary>
    public static Tensor operator *(long a, Tensor b) => b.Scalar(OpCode.Mul, a, true);

    /// <summary>Elementwise true division.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Binary(OpCode.Div, b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => a.Scalar(OpCode.Div, b, false);

    /// <summary>Divides by an integer scalar (true division).</summary>
    public static Tensor operator /(Tensor a, long b) => a.Scalar(OpCode.Div, b, true);

    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double a, Tensor b) => b.Scalar(OpCode.ReverseDiv, a, false);

    /// <summary>Elementwise remainder (Python's sign convention).</summary>
    public static Tensor operator %(Tensor a, Tensor b) => a.Binary(OpCode.Remainder, b);

    /// <summary>Remainder by an integer scalar.</summary>
    public static Tensor operator %(Tensor a, long b) => a.Scalar(OpCode.Remainder, b, true);

    /// <summary>Elementwise a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Binary(OpCode.Lt, b);

    /// <summary>Elementwise a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Binary(OpCode.Gt, b);

    /// <summary>Elementwise a &lt;= b.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Binary(OpCode.Le, b);

    /// <summary>Elementwise a &gt;= b.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Binary(OpCode.Ge, b);

    /// <summary>Elementwise a &lt; scalar.</summary>
    public static Tensor operator <(Tensor a, double b) => a.Scalar(OpCode.Lt, b, false);

    /// <summary>Elementwise a &gt; scalar.</summary>
    public static Tensor operator >(Tensor a, double b) => a.Scalar(OpCode.Gt, b, false);

    /// <summary>Elementwise a &lt;= scalar.</summary>
    public static Tensor operator <=(Tensor a, double b) => a.Scalar(OpCode.Le, b, false);

    /// <summary>Elementwise a &gt;= scalar.</summary>
    public static Tensor operator >=(Tensor a, double b) => a.Scalar(OpCode.Ge, b, false);

    /// <summary>Logical and of boolean tensors.</summary>
    public static Tensor operator &(Tensor a, Tensor b) => a.Binary(OpCode.LogicalAnd, b);

    /// <summary>Logical or of boolean tensors.</summary>
    public static Tensor operator |(Tensor a, Tensor b) => a.Binary(OpCode.LogicalOr, b);

    /// <summary>Logical not.</summary>
    public static Tensor operator !(Tensor a) => a.Unary(OpCode.LogicalNot);

    /// <summary>Elementwise sum.</summary>
    public Tensor Add(Tensor other) => Binary(OpCode.Add, other);

    /// <summary>Adds a scalar.</summary>
    public Tensor Add(double value) => Scalar(OpCode.Add, value, false);

    /// <summary>Elementwise difference.</summary>
    public Tensor Sub(Tensor other) => Binary(OpCode.Sub, other);

    /// <summary>Elementwise product.</summary>
    public Tensor Mul(Tensor other) => Binary(OpCode.Mul, other);

    /// <summary>Multiplies by a scalar.</summary>
    public Tensor Mul(double value) => Scalar(OpCode.Mul, value, false);

    /// <summary>Elementwise true division.</summary>
    public Tensor Div(Tensor other) => Binary(OpCode.Div, other);

    /// <summary>Divides by a scalar.</summary>
    public Tensor Div(double value) => Scalar(OpCode.Div, value, false);

    /// <summary>Elementwise floor division.</summary>
    public Tensor FloorDivide(Tensor other) => Binary(OpCode.FloorDivide, other);

    /// <summary>Elementwise power.</summary>
    public Tensor Pow(Tensor exponent) => Binary(OpCode.Pow, exponent);

    /// <summary>Raises every element to a scalar power.</summary>
    public Tensor Pow(double exponent) => Scalar(OpCode.Pow, exponent, false);

    /// <summary>Elementwise minimum of two tensors.</summary>
    public Tensor Minimum(Tensor other) => Binary(OpCode.Minimum, other);

    /// <summary>Elementwise maximum of two tensors.</summary>
    public Tensor Maximum(Tensor other) => Binary(OpCode.Maximum, other);

    /// <summary>Matrix product with broadcasting (torch.matmul).</summary>
    public Tensor MatMul(Tensor other) => Binary(OpCode.MatMul, other);

    /// <summary>Elementwise equality.</summary>
    public Tensor Eq(Tensor other) => Binary(OpCode.Eq, other);

    /// <summary>Elementwise equality with a scalar.</summary>
    public Tensor Eq(double value) => Scalar(OpCode.Eq, value, false);

    /// <summary>Elementwise inequality.</summary>
    public Tensor Ne(Tensor other) => Binary(OpCode.Ne, other);

    /// <summary>Elementwise inequality with a scalar.</summary>
    public Tensor Ne(double value) => Scalar(OpCode.Ne, value, false);

    /// <summary>Elementwise a &lt; b.</summary>
    public Tensor Lt(Tensor other) => Binary(OpCode.Lt, other);

    /// <summary>Elementwise a &lt;= b.</summary>
    public Tensor Le(Tensor other) => Binary(OpCode.Le, other);

    /// <summary>Elementwise a &gt; b.</summary>
    public Tensor Gt(Tensor other) => Binary(OpCode.Gt, other);

    /// <summary>Elementwise a &gt;= b.</summary>
    public Tensor Ge(Tensor other) => Binary(OpCode.Ge, other);

    /// <summary>Negation.</summary>
    public Tensor Neg() => Unary(OpCode.Neg);

    /// <summary>e to the power of each element.</summary>
    public Tensor Exp() => Unary(OpCode.Exp);

    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(OpCode.Log);

    /// <summary>log(1 + x).</summary>
    public Tensor Log1p() => Unary(OpCode.Log1p);

    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Unary(OpCode.Sqrt);

    /// <summary>Reciprocal square root.</summary>
    public Tensor Rsqrt() => Unary(OpCode.Rsqrt);

    /// <summary>Square.</summary>
    public Tensor Square() => Unary(OpCode.Square);

    /// <summary>Absolute value.</summary>
    public Tensor Abs() => Unary(OpCode.Abs);

    /// <summary>Sign (-1, 0, 1).</summary>
    public Tensor Sign() => Unary(OpCode.Sign);

    /// <summary>1 / x.</summary>
    public Tensor Reciprocal() => Unary(OpCode.Reciprocal);

    /// <summary>Round down.</summary>
    public Tensor Floor() => Unary(OpCode.Floor);

    /// <summary>Round up.</summary>
    public Tensor Ceil() => Unary(OpCode.Ceil);

    /// <summary>Round half to even.</summary>
    public Tensor Round() => Unary(OpCode.Round);

    /// <summary>Sine.</summary>
    public Tensor Sin() => Unary(OpCode.Sin);

    /// <summary>Cosine.</summary>
    public Tensor Cos() => Unary(OpCode.Cos);

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(OpCode.Tanh);

    /// <summary>Logistic sigmoid.</summary>
    public Tensor Sigmoid() => Unary(OpCode.Sigmoid);

    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Unary(OpCode.Relu);

    /// <summary>x * sigmoid(x).</summary>
    public Tensor Silu() => Unary(OpCode.Silu);

    /// <summary>GELU, exact (erf) or with the tanh approximation.</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? OpCode.GeluTanh : OpCode.Gelu);

    /// <summary>Elementwise logical not.</summary>
    public Tensor LogicalNot() => Unary(OpCode.LogicalNot);

    /// <summary>Which elements are NaN.</summary>
    public Tensor IsNaN() => Unary(OpCode.IsNaN);

    /// <summary>Which elements are finite.</summary>
    public Tensor IsFinite() => Unary(OpCode.IsFinite);

    /// <summary>Clamps into [min, max]; either bound may be absent.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        var s = NativeMethods.Clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>Sets elements where <paramref name="mask"/> is true to <paramref name="value"/>.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        var s = NativeMethods.MaskedFill(Handle, mask.Handle, value, 0, out var r);
        GC.KeepAlive(this);
        GC.KeepAlive(mask);
        return Wrap(s, r);
    }

    /// <summary>Adds <paramref name="alpha"/> * other in place.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        InPlace(OpCode.AddInPlace, other, alpha);
        return this;
    }

    /// <summary>Adds a scalar in place.</summary>
    public Tensor AddInPlace(double value)
    {
        InPlace(OpCode.AddInPlace, null, value);
        return this;
    }

    /// <summary>Subtracts in place.</summary>
    public Tensor SubInPlace(Tensor other)
    {
        InPlace(OpCode.SubInPlace, other, 0);
        return this;
    }

    /// <summary>Multiplies in place.</summary>
    public Tensor MulInPlace(Tensor other)
    {
        InPlace(OpCode.MulInPlace, other, 0);
        return this;
    }

    /// <summary>Multiplies by a scalar in place.</summary>
    public Tensor MulInPlace(double value)
    {
        InPlace(OpCode.MulInPlace, null, value);
        return this;
    }

    /// <summary>Divides by a scalar in place.</summary>
    public Tensor DivInPlace(double value)
    {
        InPlace(OpCode.DivInPlace, null, value);
        return this;
    }

    /// <summary>Copies the values of <paramref name="source"/> (broadcast, converted) into this tensor.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        InPlace(OpCode.CopyInPlace, source, 0);
        return this;
    }

    /// <summary>Sets every element to zero.</summary>
    public Tensor ZeroInPlace()
    {
        InPlace(OpCode.ZeroInPlace, null, 0);
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor FillInPlace(double value)
    {
        InPlace(OpCode.FillInPlace, null, value);
        return this;
    }

    internal Tensor Unary(int op)
    {
        var s = NativeMethods.Unary(op, Handle, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    internal Tensor Binary(int op, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var s = NativeMethods.Binary(op, Handle, other.Handle, out var r);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return Wrap(s, r);
    }

    internal Tensor Scalar(int op, double value, bool integral)
    {
        var s = NativeMethods.BinaryScalar(op, Handle, value, integral ? 1 : 0, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    private void InPlace(int op, Tensor? other, double value)
    {
        var s = NativeMethods.InPlace(op, Handle, other is null ? IntPtr.Zero : other.Handle, value, 0);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        NativeMethods.Check(s);
    }
}
