using PostTrain.Api.Status;

namespace PostTrain.Api.Tests;

public class StatusHelperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void SetCondition_moves_the_transition_time_only_when_the_status_changes()
    {
        var status = new JobStatus();
        status.SetCondition(new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "Starting", Message = "a" }, T0).ShouldBeTrue();
        status.FindCondition("Ready")!.LastTransitionTime.ShouldBe(T0);

        status.SetCondition(new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "Starting", Message = "a" }, T0.AddMinutes(1)).ShouldBeFalse();
        status.SetCondition(new Condition { Type = "Ready", Status = ConditionStatus.False, Reason = "Pulling", Message = "b", ObservedGeneration = 2 }, T0.AddMinutes(2)).ShouldBeTrue();
        status.FindCondition("Ready")!.LastTransitionTime.ShouldBe(T0);
        status.FindCondition("Ready")!.Reason.ShouldBe("Pulling");

        status.SetCondition(new Condition { Type = "Ready", Status = ConditionStatus.True, Reason = "Running", Message = "c" }, T0.AddMinutes(3).AddMilliseconds(400)).ShouldBeTrue();
        status.FindCondition("Ready")!.LastTransitionTime.ShouldBe(T0.AddMinutes(3));
        status.IsConditionTrue("Ready").ShouldBeTrue();
        status.Conditions!.Count.ShouldBe(1);

        status.RemoveCondition("Ready").ShouldBeTrue();
        status.RemoveCondition("Ready").ShouldBeFalse();
        status.IsConditionTrue("Ready").ShouldBeFalse();
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(-5, "0s")]
    [InlineData(45.9, "45s")]
    [InlineData(60, "1m0s")]
    [InlineData(860, "14m20s")]
    [InlineData(3723, "1h2m3s")]
    [InlineData(90000, "25h0m0s")]
    public void GoDuration_prints_like_Go(double seconds, string expected) =>
        GoDuration.Format(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);
}
