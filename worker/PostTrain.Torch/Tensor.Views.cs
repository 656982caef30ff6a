namespace PostTrain.Torch;

/// <summary>Views, reshaping and indexing.</summary>
public partial class Tensor
{
    /// <summary>Element 'index' along dimension 0 (the dimension is removed).</summary>
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public Tensor this[long index] => Select(0, index);

    /// <summary>A range along dimension 0, e.g. <c>t[1..3]</c> or <c>t[..^1]</c>.</summary>
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public Tensor this[Range range] => Slice(0, range);

    /// <summary>Element 'i' along dimension 0, then a range along the next.</summary>
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public Tensor this[long index, Range range] => Select(0, index).Slice(0, range);

    /// <summary>Ranges along dimensions 0 and 1.</summary>
    [System.Runtime.CompilerServices.IndexerName("Indexer")]
    public Tensor this[Range range0, Range range1] => SliceTwo(range0, range1);

    /// <summary>A view with a new shape (one entry may be -1); the data must be compatible.</summary>
    public Tensor View(params long[] shape) => ShapeOp(OpCode.View, shape);

    /// <summary>A view or copy with a new shape (one entry may be -1).</summary>
    public Tensor Reshape(params long[] shape) => ShapeOp(OpCode.Reshape, shape);

    /// <summary>Reorders the dimensions.</summary>
    public Tensor Permute(params long[] dims) => ShapeOp(OpCode.Permute, dims);

    /// <summary>Broadcasts singleton dimensions to a larger shape without copying (-1 keeps a size).</summary>
    public Tensor Expand(params long[] shape) => ShapeOp(OpCode.Expand, shape);

    /// <summary>Tiles the tensor (torch.Tensor.repeat).</summary>
    public Tensor Repeat(params long[] repeats) => ShapeOp(OpCode.Repeat, repeats);

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(long dim0, long dim1)
    {
        var s = NativeMethods.Transpose(Handle, dim0, dim1, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>A view of <paramref name="length"/> elements from <paramref name="start"/> along a dimension.</summary>
    public Tensor Narrow(long dim, long start, long length)
    {
        var s = NativeMethods.Narrow(Handle, dim, start, length, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>The slice at <paramref name="index"/> along a dimension, which is removed.</summary>
    public Tensor Select(long dim, long index)
    {
        var s = NativeMethods.Select(Handle, dim, index, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>Elements start, start+step, ... below end along a dimension (Python's a[start:end:step]).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1)
    {
        var s = NativeMethods.Slice(Handle, dim, start, end, step, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>A C# range along a dimension; <c>^n</c> counts from the end.</summary>
    public Tensor Slice(long dim, Range range)
    {
        var size = Size((int)dim);
        var (offset, length) = range.GetOffsetAndLength(checked((int)size));
        return Slice(dim, offset, offset + length);
    }

    /// <summary>Inserts a dimension of size 1.</summary>
    public Tensor Unsqueeze(long dim)
    {
        var s = NativeMethods.Unsqueeze(Handle, dim, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>Removes one dimension of size 1, or every one when <paramref name="dim"/> is null.</summary>
    public Tensor Squeeze(long? dim = null)
    {
        var s = NativeMethods.Squeeze(Handle, dim.HasValue ? 1 : 0, dim ?? 0, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>Merges dimensions start..end into one.</summary>
    public Tensor Flatten(long start = 0, long end = -1)
    {
        var s = NativeMethods.Flatten(Handle, start, end, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>A tensor with the same values laid out contiguously (this one when it already is).</summary>
    public Tensor Contiguous() => Unary(OpCode.Contiguous);

    /// <summary>A copy with its own storage (differentiable).</summary>
    public Tensor Clone() => Unary(OpCode.Clone);

    /// <summary>Pieces of <paramref name="size"/> along a dimension (the last may be smaller).</summary>
    public Tensor[] Split(long size, long dim = 0) => SplitOrChunk(size, dim, chunk: false);

    /// <summary>At most <paramref name="chunks"/> nearly equal pieces along a dimension.</summary>
    public Tensor[] Chunk(long chunks, long dim = 0) => SplitOrChunk(chunks, dim, chunk: true);

    /// <summary>Picks entries along a dimension by an Int64 index vector.</summary>
    public Tensor IndexSelect(long dim, Tensor index)
    {
        var s = NativeMethods.IndexSelect(Handle, dim, index.Handle, out var r);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(s, r);
    }

    /// <summary>The int64 indices of this 1-d tensor's non-zero (true) elements, in order (torch.nonzero); on a GPU it reads the count back.</summary>
    public Tensor NonZero()
    {
        var s = NativeMethods.NonZero1d(Handle, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    /// <summary>out[i][j] = this[i][index[i][j]] for dim 1 (torch.gather).</summary>
    public Tensor Gather(long dim, Tensor index)
    {
        var s = NativeMethods.Gather(Handle, dim, index.Handle, out var r);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(s, r);
    }

    /// <summary>Adds <paramref name="source"/> into a copy of this tensor at <paramref name="index"/> along a dimension.</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor source)
    {
        var s = NativeMethods.ScatterAdd(Handle, dim, index.Handle, source.Handle, out var r);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        GC.KeepAlive(source);
        return Wrap(s, r);
    }

    /// <summary>A copy of this tensor with <paramref name="source"/> written at <paramref name="index"/> along a dimension (torch.scatter).</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor source)
    {
        var s = NativeMethods.Scatter(Handle, dim, index.Handle, source.Handle, out var r);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        GC.KeepAlive(source);
        return Wrap(s, r);
    }

    /// <summary>The lower triangle (elements above the <paramref name="diagonal"/> set to zero).</summary>
    public Tensor Tril(long diagonal = 0) => Tri(0, diagonal);

    /// <summary>The upper triangle (elements below the <paramref name="diagonal"/> set to zero).</summary>
    public Tensor Triu(long diagonal = 0) => Tri(1, diagonal);

    private Tensor Tri(int upper, long diagonal)
    {
        var s = NativeMethods.Tri(upper, Handle, diagonal, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    private Tensor SliceTwo(Range range0, Range range1)
    {
        using var first = Slice(0, range0);
        var result = first.Slice(1, range1);
        return result;
    }

    private unsafe Tensor ShapeOp(int op, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (long* p = shape)
        {
            var s = NativeMethods.ShapeOp(op, Handle, p, shape.Length, out var r);
            GC.KeepAlive(this);
            return Wrap(s, r);
        }
    }

    private unsafe Tensor[] SplitOrChunk(long n, long dim, bool chunk)
    {
        if (n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, chunk ? "chunk count must be positive" : "split size must be positive");
        }

        var capacity = (int)Math.Max(1, Math.Min(Size((int)dim), chunk ? n : long.MaxValue));
        var outputs = new IntPtr[capacity];
        int count;
        fixed (IntPtr* p = outputs)
        {
            var s = NativeMethods.Split(Handle, n, dim, chunk ? 1 : 0, p, capacity, out count);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
        }

        var result = new Tensor[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = new Tensor(outputs[i]);
        }

        return result;
    }
}
