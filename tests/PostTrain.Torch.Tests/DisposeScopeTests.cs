using PostTrain.Torch;
using PostTrain.Torch.NN;

namespace PostTrain.Torch.Tests;

public class DisposeScopeTests
{
    [Fact]
    public void A_scope_frees_every_tensor_created_inside_it()
    {
        Tensor a, b, c;
        using (var scope = TorchScope.NewDisposeScope())
        {
            a = Tensors.Ones([2]);
            b = a + 1.0;
            c = b.Exp();
            scope.Count.ShouldBe(3);
        }

        a.IsDisposed.ShouldBeTrue();
        b.IsDisposed.ShouldBeTrue();
        c.IsDisposed.ShouldBeTrue();
    }

    [Fact]
    public void MoveToOuterScope_and_Detach_keep_results_alive()
    {
        Tensor kept, moved, inner;
        using (var outer = TorchScope.NewDisposeScope())
        {
            using (var scope = TorchScope.NewDisposeScope())
            {
                inner = Tensors.Ones([2]);
                moved = (inner * 2.0).MoveToOuterScope();
                kept = scope.Detach(inner + 5.0);
                DisposeScope.Current.ShouldBeSameAs(scope);
            }

            DisposeScope.Current.ShouldBeSameAs(outer);
            inner.IsDisposed.ShouldBeTrue();
            moved.IsDisposed.ShouldBeFalse();
            moved.Scope.ShouldBeSameAs(outer);
            moved.ToArray<float>().ShouldBe([2f, 2f]);
        }

        moved.IsDisposed.ShouldBeTrue();
        kept.IsDisposed.ShouldBeFalse();
        kept.ToArray<float>().ShouldBe([6f, 6f]);
        kept.Dispose();
        DisposeScope.Current.ShouldBeNull();
    }

    [Fact]
    public void Module_parameters_and_gradients_survive_scopes()
    {
        using var g = new Generator(3);
        Linear layer;
        using (TorchScope.NewDisposeScope())
        {
            layer = new Linear(3, 2, generator: g);
            using var x = Tensors.Ones([1, 3]);
            layer.Forward(x).Sum().Backward();
        }

        layer.Weight.IsDisposed.ShouldBeFalse();
        layer.Bias!.IsDisposed.ShouldBeFalse();
        using (TorchScope.NewDisposeScope())
        {
            layer.Weight.Grad!.ToArray<float>().ShouldBe([1f, 1f, 1f, 1f, 1f, 1f]);
            layer.Bias.Grad!.ToArray<float>().ShouldBe([1f, 1f]);
        }

        layer.Dispose();
        layer.Weight.IsDisposed.ShouldBeTrue();
    }

    [Fact]
    public void Scopes_are_per_thread()
    {
        using var scope = TorchScope.NewDisposeScope();
        Tensor? fromOtherThread = null;
        var thread = new Thread(() => fromOtherThread = Tensors.Ones([1]));
        thread.Start();
        thread.Join();
        fromOtherThread!.Scope.ShouldBeNull();
        fromOtherThread.Dispose();
    }

    [Fact]
    public void No_grad_scope_stops_recording_and_restores()
    {
        using var scope = TorchScope.NewDisposeScope();
        var x = Tensors.Ones([2]).WithRequiresGrad();
        Tensors.IsGradEnabled.ShouldBeTrue();
        using (Tensors.NoGrad())
        {
            Tensors.IsGradEnabled.ShouldBeFalse();
            (x * 2.0).RequiresGrad.ShouldBeFalse();
        }

        Tensors.IsGradEnabled.ShouldBeTrue();
        (x * 2.0).RequiresGrad.ShouldBeTrue();
        x.Detach().RequiresGrad.ShouldBeFalse();
    }
}
