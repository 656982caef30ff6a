namespace PostTrain.Torch;

/// <summary>Reductions, sorting and scans.</summary>
public partial class Tensor
{
    /// <summary>Sum of all elements.</summary>
    /// <remarks>No dtype parameter here on purpose: a literal 0 converts to an enum, so <c>Sum(0)</c> would silently pick it.</remarks>
    public Tensor Sum() => Reduce(OpCode.Sum, [], false, null);

    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(long dim, bool keepDim = false, ScalarType? dtype = null) => Reduce(OpCode.Sum, [dim], keepDim, dtype);

    /// <summary>Sum over several dimensions.</summary>
    public Tensor Sum(long[] dims, bool keepDim = false, ScalarType? dtype = null) => Reduce(OpCode.Sum, dims, keepDim, dtype);

    /// <summary>Mean of all elements.</summary>
    public Tensor Mean() => Reduce(OpCode.Mean, [], false, null);

    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(long dim, bool keepDim = false, ScalarType? dtype = null) => Reduce(OpCode.Mean, [dim], keepDim, dtype);

    /// <summary>Mean over several dimensions.</summary>
    public Tensor Mean(long[] dims, bool keepDim = false, ScalarType? dtype = null) => Reduce(OpCode.Mean, dims, keepDim, dtype);

    /// <summary>Largest element.</summary>
    public Tensor Max() => Reduce(OpCode.AMax, [], false, null);

    /// <summary>Largest values along a dimension and where they are.</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false) => MaxMin(1, dim, keepDim);

    /// <summary>Smallest element.</summary>
    public Tensor Min() => Reduce(OpCode.AMin, [], false, null);

    /// <summary>Smallest values along a dimension and where they are.</summary>
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false) => MaxMin(0, dim, keepDim);

    /// <summary>Largest values over several dimensions (no indices).</summary>
    public Tensor AMax(long[] dims, bool keepDim = false) => Reduce(OpCode.AMax, dims, keepDim, null);

    /// <summary>Smallest values over several dimensions (no indices).</summary>
    public Tensor AMin(long[] dims, bool keepDim = false) => Reduce(OpCode.AMin, dims, keepDim, null);

    /// <summary>log(sum(exp(x))) over one dimension, computed stably.</summary>
    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(OpCode.LogSumExp, [dim], keepDim, null);

    /// <summary>log(sum(exp(x))) over several dimensions (all when empty).</summary>
    public Tensor LogSumExp(long[] dims, bool keepDim = false) => Reduce(OpCode.LogSumExp, dims, keepDim, null);

    /// <summary>Standard deviation of all elements (Bessel-corrected unless <paramref name="unbiased"/> is false).</summary>
    public Tensor Std(bool unbiased = true) => VarStd(1, [], unbiased, false);

    /// <summary>Standard deviation over dimensions.</summary>
    public Tensor Std(long[] dims, bool unbiased = true, bool keepDim = false) => VarStd(1, dims, unbiased, keepDim);

    /// <summary>Variance of all elements.</summary>
    public Tensor Var(bool unbiased = true) => VarStd(0, [], unbiased, false);

    /// <summary>Variance over dimensions.</summary>
    public Tensor Var(long[] dims, bool unbiased = true, bool keepDim = false) => VarStd(0, dims, unbiased, keepDim);

    /// <summary>Euclidean norm of all elements.</summary>
    public Tensor Norm() => Reduce(OpCode.Norm, [], false, null);

    /// <summary>Euclidean norm over dimensions.</summary>
    public Tensor Norm(long[] dims, bool keepDim = false) => Reduce(OpCode.Norm, dims, keepDim, null);

    /// <summary>Whether any element is true (non-zero).</summary>
    public Tensor Any() => Reduce(OpCode.Any, [], false, null);

    /// <summary>Whether every element is true (non-zero).</summary>
    public Tensor All() => Reduce(OpCode.All, [], false, null);

    /// <summary>Whether any element along <paramref name="dim"/> is true (non-zero).</summary>
    public Tensor Any(long dim, bool keepDim = false) => Reduce(OpCode.Any, [dim], keepDim, null);

    /// <summary>Whether every element along <paramref name="dim"/> is true (non-zero).</summary>
    public Tensor All(long dim, bool keepDim = false) => Reduce(OpCode.All, [dim], keepDim, null);

    /// <summary>Index of the largest element of the flattened tensor, or along a dimension.</summary>
    public Tensor ArgMax(long? dim = null, bool keepDim = false) => ArgMaxMin(1, dim, keepDim);

    /// <summary>Index of the smallest element of the flattened tensor, or along a dimension.</summary>
    public Tensor ArgMin(long? dim = null, bool keepDim = false) => ArgMaxMin(0, dim, keepDim);

    /// <summary>Running sum along a dimension.</summary>
    public Tensor CumSum(long dim, ScalarType? dtype = null)
    {
        var s = NativeMethods.CumSum(Handle, dim, dtype.HasValue ? (int)dtype.Value : -1, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>The <paramref name="k"/> largest (or smallest) entries along a dimension and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        var s = NativeMethods.TopK(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Sorted values along a dimension and the permutation that sorts them.</summary>
    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        var s = NativeMethods.Sort(Handle, dim, descending ? 1 : 0, out var v, out var i);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>softmax along a dimension (optionally computed in <paramref name="dtype"/>).</summary>
    public Tensor Softmax(long dim, ScalarType? dtype = null) => SoftmaxImpl(0, dim, dtype);

    /// <summary>log(softmax) along a dimension, computed stably.</summary>
    public Tensor LogSoftmax(long dim, ScalarType? dtype = null) => SoftmaxImpl(1, dim, dtype);

    private Tensor SoftmaxImpl(int log, long dim, ScalarType? dtype)
    {
        var s = NativeMethods.Softmax(log, Handle, dim, dtype.HasValue ? (int)dtype.Value : -1, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    private unsafe Tensor Reduce(int op, long[] dims, bool keepDim, ScalarType? dtype)
    {
        fixed (long* p = dims)
        {
            var s = NativeMethods.Reduce(op, Handle, p, dims.Length, keepDim ? 1 : 0, dtype.HasValue ? (int)dtype.Value : -1, out var r);
            GC.KeepAlive(this);
            return Wrap(s, r);
        }
    }

    private unsafe Tensor VarStd(int isStd, long[] dims, bool unbiased, bool keepDim)
    {
        fixed (long* p = dims)
        {
            var s = NativeMethods.VarStd(isStd, Handle, p, dims.Length, unbiased ? 1 : 0, keepDim ? 1 : 0, out var r);
            GC.KeepAlive(this);
            return Wrap(s, r);
        }
    }

    private (Tensor Values, Tensor Indices) MaxMin(int isMax, long dim, bool keepDim)
    {
        var s = NativeMethods.MaxMinDim(isMax, Handle, dim, keepDim ? 1 : 0, out var v, out var i);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
        return (new Tensor(v), new Tensor(i));
    }

    private Tensor ArgMaxMin(int isMax, long? dim, bool keepDim)
    {
        var s = NativeMethods.ArgMaxMin(isMax, Handle, dim.HasValue ? 1 : 0, dim ?? 0, keepDim ? 1 : 0, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }
}
