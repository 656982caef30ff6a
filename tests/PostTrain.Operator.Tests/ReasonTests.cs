using FsCheck;
using FsCheck.Fluent;
using PostTrain.Operator.Controllers;

namespace PostTrain.Operator.Tests;

/// <summary>Reasons copied from batch Job conditions must fit metav1.Condition's pattern.</summary>
public sealed class ReasonTests
{
    [Fact]
    public void Reasons_are_made_to_fit_the_condition_pattern()
    {
        JobReconciler.ConditionReason("BackoffLimitExceeded").ShouldBe("BackoffLimitExceeded");
        JobReconciler.ConditionReason("Pod-Failure Policy!").ShouldBe("PodFailurePolicy");
        JobReconciler.ConditionReason("9lives:").ShouldBe("lives");
        JobReconciler.ConditionReason("---").ShouldBeNull();
        JobReconciler.ConditionReason(null).ShouldBeNull();
        var pattern = new System.Text.RegularExpressions.Regex("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
        Prop.ForAll<string>(s => JobReconciler.ConditionReason(s) is not { } r || pattern.IsMatch(r)).QuickCheckThrowOnFailure();
    }
}
