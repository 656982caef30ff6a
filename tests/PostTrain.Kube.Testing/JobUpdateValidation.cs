using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// kube-apiserver's update validation of batch/v1 Jobs (pkg/apis/batch/validation): the pod template is immutable,
/// except that a Job that is suspended and has not started (<c>status.startTime</c> unset) may change its scheduling
/// directives: <c>nodeSelector</c>, <c>tolerations</c>, <c>schedulingGates</c>, <c>affinity.nodeAffinity</c> and the
/// template's labels and annotations. <c>completions</c> (except together with <c>parallelism</c> in an Indexed Job),
/// <c>selector</c>, <c>completionMode</c>, <c>podFailurePolicy</c>, <c>backoffLimitPerIndex</c>, <c>managedBy</c> and
/// <c>successPolicy</c> never change.
/// </summary>
internal static class JobUpdateValidation
{
    private static readonly string[] ImmutableSpecFields = ["selector", "completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"];

    /// <summary>The (field, message) errors of updating <paramref name="current"/> to <paramref name="next"/>.</summary>
    public static List<(string Field, string Message)> Validate(JsonObject current, JsonObject next)
    {
        var errors = new List<(string, string)>();
        var oldSpec = current["spec"] as JsonObject ?? [];
        var newSpec = next["spec"] as JsonObject ?? [];
        foreach (var field in ImmutableSpecFields)
        {
            if (!JsonNode.DeepEquals(oldSpec[field], newSpec[field]))
            {
                errors.Add(($"spec.{field}", "Invalid value: field is immutable"));
            }
        }

        if (!JsonNode.DeepEquals(oldSpec["completions"], newSpec["completions"]))
        {
            var elastic = (string?)newSpec["completionMode"] == "Indexed" && JsonNode.DeepEquals(newSpec["completions"], newSpec["parallelism"]);
            if (!elastic)
            {
                errors.Add(("spec.completions", "Invalid value: field is immutable"));
            }
        }

        var suspended = oldSpec["suspend"] is JsonValue s && s.TryGetValue<bool>(out var b) && b;
        var notStarted = current["status"]?["startTime"] is null;
        var oldTemplate = Comparable(oldSpec["template"], suspended && notStarted);
        var newTemplate = Comparable(newSpec["template"], suspended && notStarted);
        if (!JsonNode.DeepEquals(oldTemplate, newTemplate))
        {
            var why = suspended && notStarted
                ? "only nodeSelector, tolerations, schedulingGates, affinity.nodeAffinity, labels and annotations may change"
                : "the pod template may change only while the Job is suspended and has not started (status.startTime unset), and then only its scheduling directives";
            errors.Add(("spec.template", $"Invalid value: field is immutable: {why}"));
        }

        return errors;
    }

    private static JsonNode? Comparable(JsonNode? template, bool schedulingMutable)
    {
        if (template is not JsonObject obj || !schedulingMutable)
        {
            return template;
        }

        var copy = (JsonObject)obj.DeepClone();
        if (copy["metadata"] is JsonObject meta)
        {
            meta.Remove("labels");
            meta.Remove("annotations");
            if (meta.Count == 0)
            {
                copy.Remove("metadata");
            }
        }

        if (copy["spec"] is JsonObject spec)
        {
            spec.Remove("nodeSelector");
            spec.Remove("tolerations");
            spec.Remove("schedulingGates");
            if (spec["affinity"] is JsonObject affinity)
            {
                affinity.Remove("nodeAffinity");
                if (affinity.Count == 0)
                {
                    spec.Remove("affinity");
                }
            }
        }

        return copy;
    }
}
