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
        StatusDerivation.ConditionReason("BackoffLimitExceeded").ShouldBe("BackoffLimitExceeded");
        StatusDerivation.ConditionReason("Pod-Failure Policy!").ShouldBe("PodFailurePolicy");
        StatusDerivation.ConditionReason("9lives:").ShouldBe("lives");
        StatusDerivation.ConditionReason("---").ShouldBeNull();
        StatusDerivation.ConditionReason(null).ShouldBeNull();
        var pattern = new System.Text.RegularExpressions.Regex("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
        Prop.ForAll<string>(s => StatusDerivation.ConditionReason(s) is not { } r || pattern.IsMatch(r)).QuickCheckThrowOnFailure();
    }
}
