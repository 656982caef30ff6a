using System.Text.Json.Nodes;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>core/v1 ContainerState: waiting, running or terminated.</summary>
internal sealed record ContainerState
{
    private ContainerState(string kind) => Kind = kind;

    /// <summary>waiting, running or terminated.</summary>
    public string Kind { get; }

    /// <summary>Why it waits or how it ended.</summary>
    public string? Reason { get; private init; }

    /// <summary>Details (for terminated: the termination message).</summary>
    public string? Message { get; private init; }

    /// <summary>The exit code of a terminated container.</summary>
    public int? ExitCode { get; private init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset? StartedAt { get; private init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; private init; }

    /// <summary>The runtime's id of the container (<c>process://PID</c>).</summary>
    public string? ContainerId { get; private init; }

    /// <summary>Whether the container has ended.</summary>
    public bool IsTerminated => Kind == "terminated";

    /// <summary>Whether the container runs.</summary>
    public bool IsRunning => Kind == "running";

    /// <summary>A waiting container.</summary>
    public static ContainerState Waiting(string reason, string? message = null) => new("waiting") { Reason = reason, Message = message };

    /// <summary>A running container.</summary>
    public static ContainerState Running(DateTimeOffset startedAt, string containerId) => new("running") { StartedAt = startedAt, ContainerId = containerId };

    /// <summary>An ended container.</summary>
    public static ContainerState Terminated(int exitCode, string reason, string? message, DateTimeOffset? startedAt, DateTimeOffset finishedAt, string? containerId) =>
        new("terminated") { ExitCode = exitCode, Reason = reason, Message = message, StartedAt = startedAt, FinishedAt = finishedAt, ContainerId = containerId };

    /// <summary>The state as the API writes it.</summary>
    public JsonObject ToJson()
    {
        var body = new JsonObject();
        switch (Kind)
        {
            case "waiting":
                body["reason"] = Reason;
                if (Message is { Length: > 0 })
                {
                    body["message"] = Message;
                }

                break;
            case "running":
                body["startedAt"] = JsonFields.Timestamp(StartedAt!.Value);
                break;
            default:
                body["exitCode"] = ExitCode;
                body["reason"] = Reason;
                if (Message is { Length: > 0 })
                {
                    body["message"] = Message;
                }

                body["startedAt"] = StartedAt is { } started ? JsonFields.Timestamp(started) : null;
                body["finishedAt"] = JsonFields.Timestamp(FinishedAt!.Value);
                if (ContainerId is not null)
                {
                    body["containerID"] = ContainerId;
                }

                break;
        }

        return new JsonObject { [Kind] = body };
    }
}
