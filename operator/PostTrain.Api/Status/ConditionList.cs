namespace PostTrain.Api.Status;

/// <summary>Condition helpers with apimachinery's meta.SetStatusCondition / FindStatusCondition semantics.</summary>
public static class ConditionList
{
    /// <summary>
    /// Adds or updates the condition of <paramref name="condition"/>'s type. lastTransitionTime changes only when
    /// the status changes (or the condition is new); reason, message and observedGeneration are always updated.
    /// </summary>
    /// <param name="status">The status whose conditions change (the list is created if missing).</param>
    /// <param name="condition">The desired condition; a default lastTransitionTime means <paramref name="now"/>.</param>
    /// <param name="now">The current time.</param>
    /// <returns>True when anything changed.</returns>
    public static bool SetCondition(this JobStatus status, Condition condition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(condition);
        status.Conditions ??= [];
        var transition = condition.LastTransitionTime == default ? now : condition.LastTransitionTime;
        var existing = status.FindCondition(condition.Type);
        if (existing is null)
        {
            status.Conditions.Add(new Condition
            {
                Type = condition.Type,
                Status = condition.Status,
                ObservedGeneration = condition.ObservedGeneration,
                LastTransitionTime = Serialization.KubeTimeConverter.Normalize(transition),
                Reason = condition.Reason,
                Message = condition.Message,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != condition.Status)
        {
            existing.Status = condition.Status;
            existing.LastTransitionTime = Serialization.KubeTimeConverter.Normalize(transition);
            changed = true;
        }

        if (existing.Reason != condition.Reason || existing.Message != condition.Message || existing.ObservedGeneration != condition.ObservedGeneration)
        {
            existing.Reason = condition.Reason;
            existing.Message = condition.Message;
            existing.ObservedGeneration = condition.ObservedGeneration;
            changed = true;
        }

        return changed;
    }

    /// <summary>The condition of the given type, or null.</summary>
    /// <param name="status">The status.</param>
    /// <param name="type">The condition type.</param>
    /// <returns>The condition, or null.</returns>
    public static Condition? FindCondition(this JobStatus status, string type)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Conditions?.Find(c => c.Type == type);
    }

    /// <summary>True when the condition of the given type exists with status True.</summary>
    /// <param name="status">The status.</param>
    /// <param name="type">The condition type.</param>
    /// <returns>Whether the condition holds.</returns>
    public static bool IsConditionTrue(this JobStatus status, string type) =>
        status.FindCondition(type)?.Status == ConditionStatus.True;

    /// <summary>Removes the condition of the given type.</summary>
    /// <param name="status">The status.</param>
    /// <param name="type">The condition type.</param>
    /// <returns>True when one was removed.</returns>
    public static bool RemoveCondition(this JobStatus status, string type)
    {
        ArgumentNullException.ThrowIfNull(status);
        return (status.Conditions?.RemoveAll(c => c.Type == type) ?? 0) > 0;
    }
}
