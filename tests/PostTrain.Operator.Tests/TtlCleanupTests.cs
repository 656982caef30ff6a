using System.Text.Json.Nodes;
using PostTrain.Api.Status;
using PostTrain.Operator.Controllers;

namespace PostTrain.Operator.Tests;

/// <summary><see cref="TtlCleanup.Due"/> alone: when a finished job is due for deletion.</summary>
public sealed class TtlCleanupTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void A_job_without_a_TTL_is_never_due()
    {
        TtlCleanup.Due(new JsonObject(), new JobStatus { CompletionTime = Now }, Now).ShouldBeNull();
        TtlCleanup.Due(null, new JobStatus { CompletionTime = Now }, Now).ShouldBeNull();
        TtlCleanup.Due(new JsonObject { ["ttlSecondsAfterFinished"] = "soon" }, new JobStatus(), Now).ShouldBeNull();
    }

    [Fact]
    public void A_job_is_due_its_TTL_after_it_finished_or_after_now_when_that_is_unknown()
    {
        var spec = new JsonObject { ["ttlSecondsAfterFinished"] = 60 };
        TtlCleanup.Due(spec, new JobStatus { CompletionTime = Now.AddSeconds(-100) }, Now).ShouldBe((Now.AddSeconds(-40), 60));
        TtlCleanup.Due(spec, new JobStatus(), Now).ShouldBe((Now.AddSeconds(60), 60));
    }
}
