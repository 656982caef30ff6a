using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Tests;

/// <summary>The test API server checked against documented kube-apiserver semantics, through the client.</summary>
public sealed class ApiServerSemanticsTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private KubernetesClient Client => fixture.Client;

    private static V1ConfigMap Map(string name, string ns, Dictionary<string, string>? labels = null) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels }, Data = new Dictionary<string, string>() { ["k"] = "v" } };

    [Fact]
    public async Task Create_assigns_uid_resource_version_generation_and_rejects_a_taken_name()
    {
        var ns = fixture.NewNamespace();
        var created = await Client.ConfigMaps.CreateAsync(Map("a", ns));
        created.Metadata.Uid.ShouldNotBeNullOrEmpty();
        created.Metadata.ResourceVersion.ShouldNotBeNullOrEmpty();
        created.Metadata.Generation.ShouldBeNull("ConfigMaps have no generation in kube");
        created.Metadata.CreationTimestamp.ShouldNotBeNull();

        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.CreateAsync(Map("a", ns)));
        e.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        e.IsAlreadyExists.ShouldBeTrue();
        e.Status!.Message.ShouldBe("configmaps \"a\" already exists");
    }

    [Fact]
    public async Task GenerateName_gets_a_random_suffix_and_invalid_names_are_422()
    {
        var ns = fixture.NewNamespace();
        var created = await Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "run-", NamespaceProperty = ns } });
        created.Metadata.Name!.ShouldStartWith("run-");
        created.Metadata.Name!.Length.ShouldBe(9);

        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.CreateAsync(Map("Not_Valid", ns)));
        e.IsInvalid.ShouldBeTrue();
        e.Status!.Reason.ShouldBe("Invalid");
    }

    [Fact]
    public async Task Get_of_a_missing_object_is_a_404_Status_body()
    {
        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.GetAsync("missing", fixture.NewNamespace()));
        e.IsNotFound.ShouldBeTrue();
        e.Status!.Reason.ShouldBe("NotFound");
        e.Status.Code.ShouldBe(404);
        (await Client.ConfigMaps.TryGetAsync("missing", fixture.NewNamespace())).ShouldBeNull();
    }

    [Fact]
    public async Task Replace_with_a_stale_resource_version_is_a_409_Conflict()
    {
        var ns = fixture.NewNamespace();
        var created = await Client.ConfigMaps.CreateAsync(Map("a", ns));
        created.Data!["k"] = "v2";
        var updated = await Client.ConfigMaps.ReplaceAsync(created);
        long.Parse(updated.Metadata.ResourceVersion!).ShouldBeGreaterThan(long.Parse(created.Metadata.ResourceVersion!));

        created.Data["k"] = "stale";
        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.ReplaceAsync(created));
        e.IsConflict.ShouldBeTrue();
        e.Message.ShouldContain("the object has been modified");
        (await Client.ConfigMaps.GetAsync("a", ns)).Data!["k"].ShouldBe("v2");
    }

    [Fact]
    public async Task UpdateAsync_rereads_and_retries_when_another_writer_wins_the_race()
    {
        var ns = fixture.NewNamespace();
        await Client.ConfigMaps.CreateAsync(Map("race", ns));
        var interfered = 0;
        var updated = await Client.ConfigMaps.UpdateAsync("race", cm =>
        {
            if (Interlocked.Increment(ref interfered) == 1)
            {
                // another writer commits between our read and our write
                Client.ConfigMaps.PatchAsync("race", PatchType.Merge, """{"data":{"other":"1"}}""", ns).GetAwaiter().GetResult();
            }

            cm.Data!["mine"] = "1";
        }, ns);
        interfered.ShouldBe(2);
        updated.Data.ShouldBe(new Dictionary<string, string> { ["k"] = "v", ["other"] = "1", ["mine"] = "1" });
    }

    [Fact]
    public async Task Unknown_fields_round_trip_through_read_modify_write()
    {
        var ns = fixture.NewNamespace();
        await Client.Resource<GenericObject>(ResourceDescriptor.For<V1Pod>()).PatchAsync("p", PatchType.Apply, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "p", ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox", ["livenessProbe"] = new JsonObject { ["periodSeconds"] = 7 } }),
                ["priorityClassName"] = "high",
            },
        }, ns, fieldManager: "test");
        var pod = await Client.Pods.GetAsync("p", ns);
        pod.Metadata.Labels = new Dictionary<string, string>() { ["x"] = "1" };
        var replaced = await Client.Pods.ReplaceAsync(pod);
        replaced.Spec.PriorityClassName.ShouldBe("high");
        replaced.Spec.Containers[0].LivenessProbe.PeriodSeconds.ShouldBe(7);
    }

    [Fact]
    public async Task Generation_bumps_on_spec_changes_only_and_status_goes_through_its_subresource()
    {
        var ns = fixture.NewNamespace();
        await EnsureWidgetCrdAsync();
        var widgets = Client.Resource<Widget>();
        var w = Widget.New("w", ns);
        w.Status = new WidgetStatus { Phase = "Ignored" };
        var created = await widgets.CreateAsync(w);
        created.Status.ShouldBeNull("status is dropped on create when a status subresource exists");
        created.Metadata.Generation.ShouldBe(1);

        created.Metadata.Labels = new Dictionary<string, string>() { ["l"] = "1" };
        var relabelled = await widgets.ReplaceAsync(created);
        relabelled.Metadata.Generation.ShouldBe(1, "metadata changes do not bump generation");

        relabelled.Spec.Size = 2;
        relabelled.Status = new WidgetStatus { Phase = "FromMainEndpoint" };
        var resized = await widgets.ReplaceAsync(relabelled);
        resized.Metadata.Generation.ShouldBe(2);
        resized.Status.ShouldBeNull("the main endpoint ignores status");

        resized.Status = new WidgetStatus { Phase = "Running", ObservedGeneration = 2 };
        resized.Spec.Size = 99;
        var withStatus = await widgets.ReplaceStatusAsync(resized);
        withStatus.Status!.Phase.ShouldBe("Running");
        withStatus.Spec.Size.ShouldBe(2, "the status endpoint ignores spec");
        withStatus.Metadata.Generation.ShouldBe(2, "status changes do not bump generation");
    }

    [Fact]
    public async Task Status_can_be_merge_patched_and_applied_through_the_subresource_only()
    {
        var ns = fixture.NewNamespace();
        await EnsureWidgetCrdAsync();
        var widgets = Client.Resource<Widget>();
        await widgets.CreateAsync(Widget.New("s", ns, size: 3));
        var patched = await widgets.PatchAsync("s", PatchType.Merge, """{"spec":{"size":9},"status":{"phase":"Pending"}}""", ns, status: true);
        patched.Status!.Phase.ShouldBe("Pending");
        patched.Spec.Size.ShouldBe(3);

        var desired = Widget.New("s", ns);
        desired.Status = new WidgetStatus { Phase = "Running", ObservedGeneration = 1 };
        var applied = await widgets.ApplyAsync(desired, "status-writer", force: true, status: true);
        applied.Status!.Phase.ShouldBe("Running");
        applied.Status.ObservedGeneration.ShouldBe(1);
        applied.Spec.Size.ShouldBe(3, "a status apply leaves spec alone");
        applied.Metadata.ManagedFields!.ShouldContain(f => f.Subresource == "status");
        fixture.Server.Requests.Last().Path.ShouldEndWith("/widgets/s/status");
    }

    [Fact]
    public async Task Custom_resources_require_a_resource_version_on_update()
    {
        var ns = fixture.NewNamespace();
        await EnsureWidgetCrdAsync();
        var created = await Client.Resource<Widget>().CreateAsync(Widget.New("w", ns));
        created.Metadata.ResourceVersion = null;
        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.Resource<Widget>().ReplaceAsync(created));
        e.IsInvalid.ShouldBeTrue();
        e.Message.ShouldContain("must be specified for an update");
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_with_a_deletion_timestamp_until_removed()
    {
        var ns = fixture.NewNamespace();
        var map = Map("f", ns);
        map.Metadata.Finalizers = ["example.com/cleanup"];
        await Client.ConfigMaps.CreateAsync(map);

        var deleting = await Client.ConfigMaps.DeleteAsync("f", ns);
        deleting!.Metadata.DeletionTimestamp.ShouldNotBeNull();
        var held = await Client.ConfigMaps.GetAsync("f", ns);
        held.Metadata.DeletionTimestamp.ShouldNotBeNull();

        held.Metadata.Finalizers!.Add("example.com/late");
        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.ReplaceAsync(held));
        e.IsInvalid.ShouldBeTrue();

        held.Metadata.Finalizers = [];
        await Client.ConfigMaps.ReplaceAsync(held);
        (await Client.ConfigMaps.TryGetAsync("f", ns)).ShouldBeNull();
    }

    [Fact]
    public async Task Background_delete_removes_owned_children_and_orphan_keeps_them()
    {
        var ns = fixture.NewNamespace();
        var owner = await Client.ConfigMaps.CreateAsync(Map("owner", ns));
        var child = Map("child", ns);
        child.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, Controller = true, BlockOwnerDeletion = true }];
        await Client.ConfigMaps.CreateAsync(child);
        var grandchild = new V1Pod { Metadata = new V1ObjectMeta { Name = "gc", NamespaceProperty = ns }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "x" }] } };
        var childUid = (await Client.ConfigMaps.GetAsync("child", ns)).Metadata.Uid!;
        grandchild.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "child", Uid = childUid }];
        await Client.Pods.CreateAsync(grandchild);

        // The API server removes the owner at once; the garbage collector deletes dependents afterwards.
        fixture.Server.Store.PauseControllers();
        try
        {
            await Client.ConfigMaps.DeleteAsync("owner", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Background });
            (await Client.ConfigMaps.TryGetAsync("owner", ns)).ShouldBeNull();
            (await Client.ConfigMaps.TryGetAsync("child", ns)).ShouldNotBeNull();
        }
        finally
        {
            fixture.Server.Store.ResumeControllers();
        }

        await Eventually.TrueAsync(async () => await Client.ConfigMaps.TryGetAsync("child", ns) is null, "child collected");
        await Eventually.TrueAsync(async () => await Client.Pods.TryGetAsync("gc", ns) is null, "grandchild collected");

        var owner2 = await Client.ConfigMaps.CreateAsync(Map("owner2", ns));
        var kept = Map("kept", ns);
        kept.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner2", Uid = owner2.Metadata.Uid! }];
        await Client.ConfigMaps.CreateAsync(kept);
        await Client.ConfigMaps.DeleteAsync("owner2", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Orphan });
        await Eventually.TrueAsync(async () => await Client.ConfigMaps.TryGetAsync("owner2", ns) is null, "orphaning owner removed");
        var orphan = await Client.ConfigMaps.GetAsync("kept", ns);
        orphan.Metadata.OwnerReferences.ShouldBeNull();
    }

    [Fact]
    public async Task Foreground_delete_waits_for_dependents_held_by_finalizers()
    {
        var ns = fixture.NewNamespace();
        var owner = await Client.ConfigMaps.CreateAsync(Map("owner", ns));
        var child = Map("child", ns);
        child.Metadata.Finalizers = ["example.com/hold"];
        child.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, BlockOwnerDeletion = true }];
        await Client.ConfigMaps.CreateAsync(child);

        await Client.ConfigMaps.DeleteAsync("owner", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Foreground });
        var waiting = await Client.ConfigMaps.GetAsync("owner", ns);
        waiting.Metadata.DeletionTimestamp.ShouldNotBeNull();
        waiting.Metadata.Finalizers.ShouldBe(["foregroundDeletion"]);
        await Eventually.TrueAsync(async () => (await Client.ConfigMaps.GetAsync("child", ns)).Metadata.DeletionTimestamp is not null, "dependent deleted by the collector");
        await fixture.Server.Store.WaitForControllersAsync(TimeSpan.FromSeconds(5));
        (await Client.ConfigMaps.GetAsync("owner", ns)).Metadata.DeletionTimestamp.ShouldNotBeNull();

        var heldChild = await Client.ConfigMaps.GetAsync("child", ns);
        heldChild.Metadata.Finalizers = null;
        await Client.ConfigMaps.ReplaceAsync(heldChild);
        (await Client.ConfigMaps.TryGetAsync("child", ns)).ShouldBeNull();
        await Eventually.TrueAsync(async () => await Client.ConfigMaps.TryGetAsync("owner", ns) is null, "owner goes once its last dependent is gone");
    }

    [Fact]
    public async Task Deleting_a_namespace_terminates_it_then_the_namespace_controller_deletes_what_it_holds()
    {
        var ns = fixture.NewNamespace();
        var created = await Client.Resource<V1Namespace>().GetAsync(ns);
        created.Status.Phase.ShouldBe("Active");
        created.Spec.Finalizers[0].ShouldBe("kubernetes");
        created.Metadata.Labels!["kubernetes.io/metadata.name"].ShouldBe(ns);
        var held = Map("held", ns);
        held.Metadata.Finalizers = ["example.com/hold"];
        await Client.ConfigMaps.CreateAsync(held);
        await Client.ConfigMaps.CreateAsync(Map("inside", ns));
        var other = fixture.NewNamespace();
        await Client.ConfigMaps.CreateAsync(Map("outside", other));

        await Client.Resource<V1Namespace>().DeleteAsync(ns);
        (await Client.Resource<V1Namespace>().GetAsync(ns)).Status.Phase.ShouldBe("Terminating");
        var forbidden = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.CreateAsync(Map("late", ns)));
        forbidden.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        forbidden.Message.ShouldContain($"unable to create new content in namespace {ns} because it is being terminated");
        await Eventually.TrueAsync(async () => await Client.ConfigMaps.TryGetAsync("inside", ns) is null, "contents deleted by the namespace controller");

        // A finalizer on the contents holds the namespace too, until its owner removes it.
        var stillHeld = await Client.ConfigMaps.GetAsync("held", ns);
        stillHeld.Metadata.DeletionTimestamp.ShouldNotBeNull();
        (await Client.Resource<V1Namespace>().TryGetAsync(ns)).ShouldNotBeNull();
        stillHeld.Metadata.Finalizers = null;
        await Client.ConfigMaps.ReplaceAsync(stillHeld);
        await Eventually.TrueAsync(async () => await Client.Resource<V1Namespace>().TryGetAsync(ns) is null, "namespace removed once empty");
        (await Client.ConfigMaps.TryGetAsync("outside", other)).ShouldNotBeNull();

        var missing = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.CreateAsync(Map("x", "never-created")));
        missing.IsNotFound.ShouldBeTrue();
        missing.Message.ShouldContain("namespaces \"never-created\" not found");
        var immortal = await Should.ThrowAsync<KubernetesApiException>(() => Client.Resource<V1Namespace>().DeleteAsync("default"));
        immortal.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        var ns = fixture.NewNamespace();
        await Client.ConfigMaps.CreateAsync(Map("a", ns, new() { ["app"] = "x", ["tier"] = "web" }));
        await Client.ConfigMaps.CreateAsync(Map("b", ns, new() { ["app"] = "x", ["tier"] = "db" }));
        await Client.ConfigMaps.CreateAsync(Map("c", ns, new() { ["app"] = "y" }));

        async Task<string[]> Names(string? labels, string? fields = null) =>
            (await Client.ConfigMaps.ListAsync(ns, new ListOptions { LabelSelector = labels, FieldSelector = fields })).Items.Select(i => i.Metadata.Name!).Order().ToArray();

        (await Names("app=x")).ShouldBe(["a", "b"]);
        (await Names("app!=x")).ShouldBe(["c"]);
        (await Names("tier in (web,db)")).ShouldBe(["a", "b"]);
        (await Names("tier notin (web)")).ShouldBe(["b", "c"]);
        (await Names("tier")).ShouldBe(["a", "b"]);
        (await Names("!tier")).ShouldBe(["c"]);
        (await Names("app=x,tier=db")).ShouldBe(["b"]);
        (await Names(null, "metadata.name=c")).ShouldBe(["c"]);
        (await Names("app=x", "metadata.name!=a")).ShouldBe(["b"]);
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue()
    {
        var ns = fixture.NewNamespace();
        for (var i = 0; i < 7; i++)
        {
            await Client.ConfigMaps.CreateAsync(Map($"m{i}", ns));
        }

        var first = await Client.ConfigMaps.ListAsync(ns, new ListOptions { Limit = 3 });
        first.Items.Count.ShouldBe(3);
        first.Metadata.ContinueProperty.ShouldNotBeNullOrEmpty();
        first.Metadata.RemainingItemCount.ShouldBe(4);
        var all = await Client.ConfigMaps.ListAllAsync(ns, pageSize: 3);
        all.Items.Select(i => i.Metadata.Name).ShouldBe(Enumerable.Range(0, 7).Select(i => $"m{i}"));
        all.Metadata.ResourceVersion.ShouldNotBeNull();

        await Client.ConfigMaps.CreateAsync(Map("later", ns));
        fixture.Server.Store.CompactHistory();
        var expired = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.ListAsync(ns, new ListOptions { Limit = 3, Continue = first.Metadata.ContinueProperty }));
        expired.IsGone.ShouldBeTrue();
        expired.Message.ShouldContain("continue parameter is too old");
    }

    [Fact]
    public async Task The_pager_falls_back_to_an_unpaged_list_when_its_continue_token_expires()
    {
        var ns = fixture.NewNamespace();
        for (var i = 0; i < 5; i++)
        {
            await Client.ConfigMaps.CreateAsync(Map($"m{i}", ns));
        }

        fixture.Server.Faults.FailNext(1, 410, match: r => r.Query.ContainsKey("continue") && r.Path.Value!.Contains(ns, StringComparison.Ordinal));
        var all = await Client.ConfigMaps.ListAllAsync(ns, pageSize: 2);
        all.Items.Count.ShouldBe(5);
    }

    [Fact]
    public async Task Merge_patch_and_json_patch_apply_with_their_content_types()
    {
        var ns = fixture.NewNamespace();
        await Client.ConfigMaps.CreateAsync(Map("p", ns));
        var merged = await Client.ConfigMaps.PatchAsync("p", PatchType.Merge, """{"data":{"k":null,"n":"1"}}""", ns);
        merged.Data.ShouldBe(new Dictionary<string, string> { ["n"] = "1" });
        var patched = await Client.ConfigMaps.PatchAsync("p", PatchType.JsonPatch, """[{"op":"add","path":"/data/m","value":"2"},{"op":"test","path":"/data/n","value":"1"}]""", ns);
        patched.Data!["m"].ShouldBe("2");

        var failed = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.PatchAsync("p", PatchType.JsonPatch, """[{"op":"test","path":"/data/n","value":"wrong"}]""", ns));
        failed.IsInvalid.ShouldBeTrue();

        var types = fixture.Server.Requests.Where(r => r.Method == "PATCH" && r.Path.EndsWith("/configmaps/p", StringComparison.Ordinal)).Select(r => r.ContentType).ToList();
        types.ShouldContain(t => t!.StartsWith("application/merge-patch+json", StringComparison.Ordinal));
        types.ShouldContain(t => t!.StartsWith("application/json-patch+json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_side_apply_sends_its_content_type_and_field_manager_tracks_ownership_and_conflicts()
    {
        var ns = fixture.NewNamespace();
        var desired = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ssa", NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["a"] = "1", ["b"] = "1" } };
        var created = await Client.ConfigMaps.ApplyAsync(desired, "manager-one");
        created.Data.ShouldBe(new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" });
        created.Metadata.ManagedFields!.ShouldContain(f => f.Manager == "manager-one");

        var request = fixture.Server.Requests.Last(r => r.Path.EndsWith("/configmaps/ssa", StringComparison.Ordinal));
        request.Method.ShouldBe("PATCH");
        request.ContentType!.ShouldStartWith("application/apply-patch+yaml");
        request.Query.ShouldContain("fieldManager=manager-one");

        var rival = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ssa", NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["a"] = "2" } };
        var conflict = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.ApplyAsync(rival, "manager-two"));
        conflict.IsConflict.ShouldBeTrue();
        conflict.Message.ShouldContain("manager-one");

        var forced = await Client.ConfigMaps.ApplyAsync(rival, "manager-two", force: true);
        forced.Data!["a"].ShouldBe("2");

        // manager-one drops "b" from its applied configuration: the field it alone owned is removed
        var shrunk = await Client.ConfigMaps.ApplyAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ssa", NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["c"] = "3" } }, "manager-one");
        shrunk.Data.ShouldBe(new Dictionary<string, string> { ["a"] = "2", ["c"] = "3" });

        await Should.ThrowAsync<ArgumentException>(() => Client.ConfigMaps.PatchAsync("ssa", PatchType.Apply, "{}", ns));
    }

    [Fact]
    public async Task Too_many_requests_is_retried_after_Retry_After_and_500_surfaces_as_a_typed_error()
    {
        var ns = fixture.NewNamespace();
        await Client.ConfigMaps.CreateAsync(Map("r", ns));
        fixture.Server.Faults.FailNext(2, 429, retryAfterSeconds: 0, match: r => r.Path.Value!.EndsWith("/configmaps/r", StringComparison.Ordinal));
        (await Client.ConfigMaps.GetAsync("r", ns)).Metadata.Name.ShouldBe("r");

        fixture.Server.Faults.FailNext(1, 500, match: r => r.Path.Value!.EndsWith("/configmaps/r", StringComparison.Ordinal));
        var e = await Should.ThrowAsync<KubernetesApiException>(() => Client.ConfigMaps.GetAsync("r", ns));
        e.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        e.IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task A_created_crd_serves_its_kind_cluster_or_namespace_scoped()
    {
        var crd = Widget.Definition();
        crd.Metadata.Name = "gadgets.example.com";
        crd.Spec.Names = new V1CustomResourceDefinitionNames { Plural = "gadgets", Kind = "Gadget" };
        crd.Spec.Scope = "Cluster";
        var created = await Client.CustomResourceDefinitions.CreateAsync(crd);
        created.Status!.Conditions.ShouldContain(c => c.Type == "Established");

        var gadgets = Client.Resource<GenericObject>(new ResourceDescriptor("example.com", "v1", "gadgets", "Gadget", Namespaced: false));
        var g = await gadgets.CreateAsync(new GenericObject { Metadata = new V1ObjectMeta { Name = "g1" } });
        g.Metadata.NamespaceProperty.ShouldBeNull();
        (await gadgets.ListAsync()).Items.Count.ShouldBe(1);

        await Client.CustomResourceDefinitions.DeleteAsync("gadgets.example.com");
        await Eventually.TrueAsync(async () => await Client.CustomResourceDefinitions.TryGetAsync("gadgets.example.com") is null, "the CRD goes once its objects are deleted");
        var gone = await Should.ThrowAsync<KubernetesApiException>(() => gadgets.ListAsync());
        gone.IsNotFound.ShouldBeTrue();
    }

    [Fact]
    public async Task Batch_jobs_get_a_generated_selector_template_labels_and_defaults_like_the_batch_api()
    {
        var ns = fixture.NewNamespace();
        var job = await Client.Jobs.CreateAsync(new V1Job { Metadata = new V1ObjectMeta { Name = "train", NamespaceProperty = ns }, Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "x" }] } } } });
        fixture.Server.Registry.TryGet("batch", "v1", "jobs", out var jobs).ShouldBeTrue();
        var stored = fixture.Server.Store.Get(jobs, ns, "train");
        var uid = job.Metadata.Uid!;
        var spec = stored["spec"]!;
        ((string?)spec["selector"]!["matchLabels"]!["batch.kubernetes.io/controller-uid"]).ShouldBe(uid);
        var templateLabels = spec["template"]!["metadata"]!["labels"]!;
        ((string?)templateLabels["batch.kubernetes.io/controller-uid"]).ShouldBe(uid);
        ((string?)templateLabels["batch.kubernetes.io/job-name"]).ShouldBe("train");
        ((string?)templateLabels["controller-uid"]).ShouldBe(uid);
        ((string?)templateLabels["job-name"]).ShouldBe("train");
        ((string?)stored["metadata"]!["labels"]!["job-name"]).ShouldBe("train");
        ((int)spec["parallelism"]!).ShouldBe(1);
        ((int)spec["completions"]!).ShouldBe(1);
        ((int)spec["backoffLimit"]!).ShouldBe(6);
        ((string?)spec["completionMode"]).ShouldBe("NonIndexed");
        ((bool)spec["suspend"]!).ShouldBeFalse();

        // A selector the server did not generate needs manualSelector; the template must not restart Always.
        var chosen = new V1Job { Metadata = new V1ObjectMeta { Name = "chosen", NamespaceProperty = ns }, Spec = new V1JobSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["a"] = "b" } }, Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "x" }] } } } };
        var notGenerated = await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.CreateAsync(chosen));
        notGenerated.Message.ShouldContain("spec.selector");
        var always = new V1Job { Metadata = new V1ObjectMeta { Name = "always", NamespaceProperty = ns }, Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Always", Containers = [new V1Container { Name = "c", Image = "x" }] } } } };
        var invalid = await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.CreateAsync(always));
        invalid.Message.ShouldContain("spec.template.spec.restartPolicy: Unsupported value: \"Always\"");
    }

    [Fact]
    public async Task Batch_jobs_default_to_orphaning_their_pods_as_kube_does()
    {
        var ns = fixture.NewNamespace();
        var job = await Client.Jobs.CreateAsync(new V1Job { Metadata = new V1ObjectMeta { Name = "j", NamespaceProperty = ns }, Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "x" }] } } } });
        await Client.Pods.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "j-0", NamespaceProperty = ns, OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = "j", Uid = job.Metadata.Uid!, Controller = true }] } });
        await Client.Jobs.DeleteAsync("j", ns);
        await Eventually.TrueAsync(async () => (await Client.Pods.GetAsync("j-0", ns)).Metadata.OwnerReferences is null, "pod orphaned");
    }

    [Fact]
    public async Task A_subresource_takes_a_POST_as_a_pod_binding_does()
    {
        var ns = fixture.NewNamespace();
        await Client.Pods.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "w", NamespaceProperty = ns }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "x" }] } });
        var answer = await Client.Pods.CreateSubresourceAsync("w", "binding", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Binding", ["metadata"] = new JsonObject { ["name"] = "w" }, ["target"] = new JsonObject { ["kind"] = "Node", ["name"] = "node-a" } }, ns);
        ((string?)answer!["status"]).ShouldBe("Success");
        (await Client.Pods.GetAsync("w", ns)).Spec.NodeName.ShouldBe("node-a");
        var again = await Should.ThrowAsync<KubernetesApiException>(() => Client.Pods.CreateSubresourceAsync("w", "binding", """{"target":{"name":"node-b"}}""", ns));
        again.IsConflict.ShouldBeTrue();
    }

    [Fact]
    public async Task A_server_url_with_a_path_prefix_keeps_the_prefix()
    {
        using var proxied = new KubernetesClient(Config.KubeClientConfig.ForServer(new Uri(fixture.Server.BaseAddress, "k8s/clusters/c-1/")));
        var e = await Should.ThrowAsync<KubernetesApiException>(() => proxied.ConfigMaps.GetAsync("x", "prefixed"));
        e.IsNotFound.ShouldBeTrue();
        fixture.Server.Requests.ShouldContain(r => r.Path == "/k8s/clusters/c-1/api/v1/namespaces/prefixed/configmaps/x");
    }

    [Fact]
    public async Task Discovery_and_raw_status_bodies_look_like_kube()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var core = JsonNode.Parse(await http.GetStringAsync(new Uri("api/v1", UriKind.Relative)))!;
        core["resources"]!.AsArray().ShouldContain(r => (string?)r!["name"] == "pods/status");
        var response = await http.GetAsync(new Uri("apis/batch/v1/namespaces/x/jobs/nope", UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((string?)status["kind"]).ShouldBe("Status");
        ((string?)status["message"]).ShouldBe("jobs.batch \"nope\" not found");
        ((string?)status["details"]!["group"]).ShouldBe("batch");
    }

    private async Task EnsureWidgetCrdAsync()
    {
        try
        {
            await Client.CustomResourceDefinitions.CreateAsync(Widget.Definition());
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
        }
    }
}
