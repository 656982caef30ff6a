using k8s;
using k8s.Models;
using PostTrain.Kube.Client;

namespace PostTrain.NodeAgent.Tests;

/// <summary>A pod's process from start to end: exit codes, termination messages, restarts, logs and deletion.</summary>
[Collection(ClusterDefinition.Name)]
public sealed class PodLifecycleTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_exit_code_and_termination_message_become_the_container_state_and_the_pod_phase()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "fails", Manifests.Shell("echo '{\"phase\":\"Failed\"}' > \"$MESSAGE\"; exit 4", "c", ("MESSAGE", "/dev/termination-log"))));
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "succeeds", Manifests.Shell("printf done > \"$POSTTRAIN_TERMINATION_LOG\"")));
        var fallback = Manifests.Shell("echo first; echo 'last words'; exit 1");
        fallback.TerminationMessagePolicy = "FallbackToLogsOnError";
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "fallback", fallback));

        var failed = await cluster.EndedPodAsync(ns, "fails");
        failed.Status!.Phase.ShouldBe("Failed");
        var terminated = ClusterFixture.Terminated(failed);
        ((int)terminated["exitCode"]!).ShouldBe(4);
        ((string?)terminated["reason"]).ShouldBe("Error");
        ((string?)terminated["message"]).ShouldBe("{\"phase\":\"Failed\"}\n");
        terminated["startedAt"].ShouldNotBeNull();
        terminated["finishedAt"].ShouldNotBeNull();
        ((string?)terminated["containerID"]).ShouldStartWith("process://");
        failed.Status.ContainerStatuses![0].Ready.ShouldBeFalse();
        failed.Status.Conditions!.ShouldContain(c => c.Type == "Ready" && c.Status == "False" && c.Reason == "PodCompleted");

        var succeeded = await cluster.EndedPodAsync(ns, "succeeds");
        succeeded.Status!.Phase.ShouldBe("Succeeded");
        ((string?)ClusterFixture.Terminated(succeeded)["reason"]).ShouldBe("Completed");
        ((string?)ClusterFixture.Terminated(succeeded)["message"]).ShouldBe("done");

        var fromLogs = await cluster.EndedPodAsync(ns, "fallback");
        ((string?)ClusterFixture.Terminated(fromLogs)["message"]).ShouldBe("first\nlast words\n");
    }

    [Fact]
    public async Task An_unmapped_image_fails_the_pod_at_once_naming_the_image()
    {
        var ns = cluster.NewNamespace();
        var loader = new V1Container { Name = "load", Image = "python:3.12-slim", Command = ["python", "-c", "print(1)"] };
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "loader", loader));

        var failed = await cluster.EndedPodAsync(ns, "loader");
        failed.Status!.Phase.ShouldBe("Failed");
        var terminated = ClusterFixture.Terminated(failed);
        ((string?)terminated["reason"]).ShouldBe("ErrImagePull");
        ((string?)terminated["message"])!.ShouldContain("image \"python:3.12-slim\" is not mapped to a host command on node \"node-a\"");
    }

    [Fact]
    public async Task Args_alone_are_the_command_line_of_an_image_without_entrypoint_and_a_missing_executable_is_a_StartError()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "args", new V1Container { Name = "c", Image = ClusterFixture.HostImage, Args = ["sh", "-c", "echo from args"] }));
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "missing", new V1Container { Name = "c", Image = ClusterFixture.HostImage, Command = ["no-such-program-here"] }));

        (await cluster.EndedPodAsync(ns, "args")).Status!.Phase.ShouldBe("Succeeded");
        (await cluster.LogAsync(ns, "args")).ShouldBe("from args\n");
        var missing = ClusterFixture.Terminated(await cluster.EndedPodAsync(ns, "missing"));
        ((string?)missing["reason"]).ShouldBe("StartError");
        ((int)missing["exitCode"]!).ShouldBe(128);
        ((string?)missing["message"]).ShouldBe("exec: \"no-such-program-here\": executable file not found in $PATH");
    }

    [Fact]
    public async Task An_OnFailure_pod_restarts_its_container_in_place_and_serves_the_previous_log()
    {
        var ns = cluster.NewNamespace();
        var container = Manifests.Shell("if [ -e \"$STATE/tried\" ]; then echo second run; exit 0; fi; touch \"$STATE/tried\"; echo first run; exit 1", "c", ("STATE", "/state"));
        container.VolumeMounts = [new V1VolumeMount { Name = "state", MountPath = "/state" }];
        var pod = Manifests.Pod(ns, "retries", container);
        pod.Spec.RestartPolicy = "OnFailure";
        pod.Spec.Volumes = [new V1Volume { Name = "state", EmptyDir = new V1EmptyDirVolumeSource() }];
        await cluster.Client.Pods.CreateAsync(pod);

        var ended = await cluster.EndedPodAsync(ns, "retries");
        ended.Status!.Phase.ShouldBe("Succeeded");
        var status = ended.Status.ContainerStatuses![0];
        status.RestartCount.ShouldBe(1);
        status.LastState!.Terminated.ExitCode.ShouldBe(1);
        (await cluster.LogAsync(ns, "retries")).ShouldBe("second run\n");
        (await cluster.LogAsync(ns, "retries", "?previous=true")).ShouldBe("first run\n");
    }

    [Fact]
    public async Task Init_containers_run_first_one_after_another_in_the_same_volumes()
    {
        var ns = cluster.NewNamespace();
        var main = Manifests.Shell("cat \"$WORK/order\"", "main", ("WORK", "/work"));
        main.VolumeMounts = [new V1VolumeMount { Name = "work", MountPath = "/work" }];
        var pod = Manifests.Pod(ns, "init", main);
        pod.Spec.Volumes = [new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource() }];
        pod.Spec.InitContainers = new[] { "one", "two" }.Select(n =>
        {
            var init = Manifests.Shell($"echo {n} >> \"$WORK/order\"", n, ("WORK", "/work"));
            init.VolumeMounts = [new V1VolumeMount { Name = "work", MountPath = "/work" }];
            return init;
        }).ToList();
        await cluster.Client.Pods.CreateAsync(pod);

        (await cluster.EndedPodAsync(ns, "init")).Status!.Phase.ShouldBe("Succeeded");
        (await cluster.LogAsync(ns, "init", "?container=main")).ShouldBe("one\ntwo\n");
    }

    [Fact]
    public async Task Logs_come_through_the_API_server_with_tailLines_limitBytes_and_follow()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "talks", Manifests.Shell("for i in 1 2 3 4 5; do echo line $i; done")));
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "streams", Manifests.Shell("echo early; while [ ! -e \"$GO\" ]; do sleep 0.05; done; echo late", "c", ("GO", Path.Combine(cluster.DataDirectory, ns + "-go")))));

        await cluster.EndedPodAsync(ns, "talks");
        (await cluster.LogAsync(ns, "talks")).ShouldBe("line 1\nline 2\nline 3\nline 4\nline 5\n");
        (await cluster.LogAsync(ns, "talks", "?tailLines=2")).ShouldBe("line 4\nline 5\n");
        (await cluster.LogAsync(ns, "talks", "?limitBytes=9")).ShouldBe("line 1\nli");

        await cluster.PodAsync(ns, "streams", p => p.Status?.Phase == "Running", "runs");
        var following = cluster.LogAsync(ns, "streams", "?follow=true");
        await Poll.UntilAsync(() => cluster.TryLogAsync(ns, "streams"), l => l == "early\n", "first line written");
        following.IsCompleted.ShouldBeFalse("follow streams until the container exits");
        await File.WriteAllTextAsync(Path.Combine(cluster.DataDirectory, ns + "-go"), "");
        (await following).ShouldBe("early\nlate\n");
    }

    [Fact]
    public async Task Deleting_a_pod_sends_SIGTERM_then_SIGKILL_after_the_grace_period_and_then_removes_it()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "evidence"));
        var polite = Manifests.Shell("trap 'echo TERM > \"$OUT/got-sigterm\"; exit 0' TERM; echo up; while true; do sleep 0.05; done", "c", ("OUT", "/out"));
        polite.VolumeMounts = [new V1VolumeMount { Name = "out", MountPath = "/out" }];
        var politePod = Manifests.Pod(ns, "polite", polite);
        politePod.Spec.Volumes = [Manifests.ClaimVolume("out", "evidence")];
        var stubborn = Manifests.Pod(ns, "stubborn", Manifests.Shell("trap '' TERM; echo up; while true; do sleep 0.05; done"));
        stubborn.Spec.TerminationGracePeriodSeconds = 1;
        await cluster.Client.Pods.CreateAsync(politePod);
        await cluster.Client.Pods.CreateAsync(stubborn);
        await Poll.UntilAsync(() => cluster.TryLogAsync(ns, "polite"), l => l == "up\n", "polite runs its loop");
        await Poll.UntilAsync(() => cluster.TryLogAsync(ns, "stubborn"), l => l == "up\n", "stubborn runs its loop");

        var politeEnd = await DeleteAndWatchAsync(ns, "polite");
        File.ReadAllText(Path.Combine(cluster.Agent.ClaimDirectory(ns, "evidence"), "got-sigterm")).ShouldBe("TERM\n");
        politeEnd.Status!.Phase.ShouldBe("Succeeded", "it exited 0 from its SIGTERM trap");
        ((int)ClusterFixture.Terminated(politeEnd)["exitCode"]!).ShouldBe(0);

        var stubbornEnd = await DeleteAndWatchAsync(ns, "stubborn");
        stubbornEnd.Status!.Phase.ShouldBe("Failed");
        ((int)ClusterFixture.Terminated(stubbornEnd)["exitCode"]!).ShouldBe(137, "SIGKILL after the grace period");
    }

    /// <summary>Deletes a running pod and returns its last state, from the DELETED watch event once it is gone.</summary>
    private async Task<V1Pod> DeleteAndWatchAsync(string ns, string name)
    {
        var current = await cluster.Client.Pods.GetAsync(name, ns);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = cluster.Client.Pods.WatchAsync(ns, new WatchOptions { ResourceVersion = current.Metadata.ResourceVersion, FieldSelector = $"metadata.name={name}" }, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var deleted = await cluster.Client.Pods.DeleteAsync(name, ns);
        deleted!.Metadata.DeletionTimestamp.ShouldNotBeNull("a pod a node runs is deleted gracefully");
        try
        {
            while (await watch.MoveNextAsync())
            {
                if (watch.Current.Type == WatchEventType.Deleted)
                {
                    (await cluster.Client.Pods.TryGetAsync(name, ns)).ShouldBeNull();
                    return watch.Current.Object;
                }
            }
        }
        finally
        {
            await watch.DisposeAsync();
        }

        throw new InvalidOperationException($"the watch of {name} ended before the pod was deleted");
    }
}
