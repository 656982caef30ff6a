namespace PostTrain.Torch.Tests;

public class HostAllocatorTests
{
    [Fact]
    public void The_malloc_settings_are_applied_before_the_first_native_call_and_only_once()
    {
        using var t = Tensors.Zeros([4]); // any native call has run the settings by now

        HostAllocator.Configure().ShouldBeFalse();
    }
}
