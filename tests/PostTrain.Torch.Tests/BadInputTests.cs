using FsCheck;
using FsCheck.Fluent;
using PostTrain.Torch;
using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>Bad input raises a clear exception with libtorch's message, and the process keeps working.</summary>
public class BadInputTests
{
    [Fact]
    public void Shape_mismatch_raises_libtorchs_message()
    {
        using var a = Tensors.Ones([2, 3]);
        using var b = Tensors.Ones([4]);
        var ex = Should.Throw<TorchException>(() => a + b);
        ex.Message.ShouldContain("must match the size of tensor b (4)");
        ex.Message.ShouldNotContain("frame #", Case.Insensitive);
        StillWorks();
    }

    [Fact]
    public void Matmul_shape_mismatch_names_both_shapes()
    {
        using var a = Tensors.Ones([2, 3]);
        using var b = Tensors.Ones([4, 5]);
        var ex = Should.Throw<TorchException>(() => a.MatMul(b));
        ex.Message.ShouldContain("2x3");
        ex.Message.ShouldContain("4x5");
        StillWorks();
    }

    [Fact]
    public void Wrong_dtype_is_rejected_with_the_expected_types()
    {
        using var weight = Tensors.Ones([5, 3]);
        using var floatIds = Tensors.Zeros([2]);
        var ex = Should.Throw<TorchException>(() => F.Embedding(floatIds, weight));
        ex.Message.ShouldContain("Long");
        using var ints = Tensors.Arange(4);
        Should.Throw<TorchException>(() => ints.ToArray<float>()).Message.ShouldContain("Int64");
        using var logits = Tensors.Ones([2, 3]);
        using var floatTargets = Tensors.Zeros([2]);
        Should.Throw<TorchException>(() => F.CrossEntropy(logits, floatTargets, ignoreIndex: 0)).Message.ShouldNotBeNullOrWhiteSpace();
        StillWorks();
    }

    [Fact]
    public void Index_out_of_range_raises()
    {
        using var t = Tensors.Zeros([3, 2]);
        Should.Throw<TorchException>(() => t.Select(0, 10)).Message.ShouldContain("out of range");
        using var idx = Tensors.FromArray(new long[] { 0, 7 });
        Should.Throw<TorchException>(() => t.IndexSelect(0, idx)).Message.ShouldContain("out of range");
        using var weight = Tensors.Ones([5, 3]);
        using var bad = Tensors.FromArray(new long[] { 5 });
        Should.Throw<TorchException>(() => F.Embedding(bad, weight)).Message.ShouldContain("out of range");
        using var targets = Tensors.FromArray(new long[] { 0, 9 });
        using var logits = Tensors.Ones([2, 3]);
        Should.Throw<TorchException>(() => F.CrossEntropy(logits, targets).Item<float>()).Message.ShouldContain("out of bounds");
        StillWorks();
    }

    [Fact]
    public void Using_a_disposed_tensor_raises_ObjectDisposedException()
    {
        var t = Tensors.Ones([2]);
        t.Dispose();
        t.IsDisposed.ShouldBeTrue();
        Should.Throw<ObjectDisposedException>(() => t.Exp()).Message.ShouldContain("disposed");
        Should.Throw<ObjectDisposedException>(() => _ = t.Shape);
        using var other = Tensors.Ones([2]);
        Should.Throw<ObjectDisposedException>(() => other + t);
        t.Dispose(); // twice is fine
        t.ToString().ShouldBe("Tensor(disposed)");
        StillWorks();
    }

    [Fact]
    public void Backward_from_a_non_scalar_without_a_gradient_raises()
    {
        using var scope = TorchScope.NewDisposeScope();
        var x = Tensors.Ones([3]).WithRequiresGrad();
        var y = x * 2.0;
        Should.Throw<TorchException>(() => y.Backward()).Message.ShouldContain("scalar outputs");
        y.Backward(Tensors.OnesLike(y));
        x.Grad!.ToArray<float>().ShouldBe([2f, 2f, 2f]);
    }

    [Fact]
    public void Setting_a_gradient_of_the_wrong_shape_or_dtype_raises()
    {
        using var p = new PostTrain.Torch.NN.Parameter(Tensors.Zeros([2, 2]));
        using var wrongShape = Tensors.Zeros([3]);
        using var wrongType = Tensors.Zeros([2, 2], ScalarType.Float64);
        Should.Throw<ArgumentException>(() => p.Grad = wrongShape).Message.ShouldContain("need Float32 [2, 2]");
        Should.Throw<ArgumentException>(() => p.Grad = wrongType).Message.ShouldContain("got Float64");
        p.Grad.ShouldBeNull();
    }

    [Fact]
    public void Creation_with_a_wrong_byte_count_or_negative_shape_raises()
    {
        Should.Throw<TorchException>(() => Tensors.FromSpan<float>([1f, 2f, 3f], [2, 2])).Message.ShouldContain("needs 16 bytes");
        Should.Throw<TorchException>(() => Tensors.Zeros([-1, 2])).Message.ShouldContain("negative");
        using var t = Tensors.Ones([2, 3]);
        Should.Throw<TorchException>(() => t.View(4, 2)).Message.ShouldContain("invalid for input of size 6");
        Should.Throw<TorchException>(() => t.To(Device.Cuda(0)).Dispose());
        StillWorks();
    }

    [Fact]
    public void Adding_random_shapes_either_broadcasts_or_raises_TorchException()
    {
        var dims = Gen.Choose(1, 3).Select(n => (long)n);
        var shapes = Gen.ArrayOf(dims).Where(s => s.Length <= 3);
        Prop.ForAll(shapes.ToArbitrary(), shapes.ToArbitrary(), (sa, sb) =>
        {
            using var scope = TorchScope.NewDisposeScope();
            var a = Tensors.Ones(sa);
            var b = Tensors.Ones(sb);
            var expected = Broadcast(sa, sb);
            if (expected is null)
            {
                Should.Throw<TorchException>(() => a + b);
            }
            else
            {
                (a + b).Shape.ShouldBe(expected);
            }
        }).QuickCheckThrowOnFailure();
        StillWorks();
    }

    private static long[]? Broadcast(long[] a, long[] b)
    {
        var n = Math.Max(a.Length, b.Length);
        var r = new long[n];
        for (var i = 0; i < n; i++)
        {
            var x = i < n - a.Length ? 1 : a[i - (n - a.Length)];
            var y = i < n - b.Length ? 1 : b[i - (n - b.Length)];
            if (x != y && x != 1 && y != 1)
            {
                return null;
            }

            r[i] = Math.Max(x, y);
        }

        return r;
    }

    private static void StillWorks()
    {
        using var scope = TorchScope.NewDisposeScope();
        (Tensors.Ones([2, 2]) * 3.0).Sum().Item<float>().ShouldBe(12f);
    }
}
