using FsCheck;
using FsCheck.Fluent;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;

namespace PostTrain.Api.Tests;

public class JobDependencyOrderTests
{
    [Fact]
    public void Orders_a_pipeline_so_dependencies_run_first()
    {
        var jobs = JobManifestLoader.Load(TestManifests.Read("pipeline.yaml"));
        JobDependencyOrder.Sort(jobs).Select(j => j.DisplayName)
            .ShouldBe(["SftJob/arithmetic-sft", "RlvrJob/arithmetic-rlvr", "EvalJob/arithmetic-eval"]);
    }

    [Fact]
    public void Independent_jobs_keep_document_order()
    {
        var jobs = new PostTrainJob[] { Sft("c"), Sft("a"), Sft("b") };
        JobDependencyOrder.Sort(jobs).ShouldBe(jobs);
    }

    [Fact]
    public void A_reference_to_a_missing_job_is_an_error()
    {
        var jobs = JobManifestLoader.Load(TestManifests.Read("invalid/missing-dependency.yaml"));
        var e = Should.Throw<ManifestException>(() => JobDependencyOrder.Sort(jobs, "missing-dependency.yaml"));
        e.Errors.ShouldHaveSingleItem().ToString()
            .ShouldBe("missing-dependency.yaml: spec.model.fromJob: RlvrJob/orphan starts from SftJob/not-here, which is not defined here");
    }

    [Fact]
    public void A_reference_of_the_wrong_kind_gets_a_hint()
    {
        var eval = new EvalJob { Metadata = new() { Name = "e" } };
        eval.Spec.Models.Add(new() { Name = "m", FromJob = new() { Kind = JobReferenceKind.RlvrJob, Name = "x" } });
        var e = Should.Throw<ManifestException>(() => JobDependencyOrder.Sort([Sft("x"), eval]));
        e.Errors.ShouldHaveSingleItem().Message.ShouldContain("there is a SftJob of that name: check kind");
        e.Errors[0].Path.ShouldBe("spec.models[0].fromJob");
    }

    [Fact]
    public void A_cycle_is_an_error_naming_the_cycle()
    {
        var jobs = JobManifestLoader.Load(TestManifests.Read("invalid/cycle.yaml"));
        var e = Should.Throw<ManifestException>(() => JobDependencyOrder.Sort(jobs, "cycle.yaml"));
        e.Errors.ShouldHaveSingleItem().Message.ShouldBe("fromJob references form a cycle: SftJob/a -> RlvrJob/b -> SftJob/a");
    }

    [Fact]
    public void Self_references_and_duplicate_names_are_errors()
    {
        var self = Sft("s", from: "s");
        Should.Throw<ManifestException>(() => JobDependencyOrder.Sort([self])).Errors.ShouldHaveSingleItem().Message.ShouldContain("cannot start from itself");
        Should.Throw<ManifestException>(() => JobDependencyOrder.Sort([Sft("d"), Sft("d")])).Errors.ShouldHaveSingleItem().Message.ShouldBe("SftJob/d is defined more than once");
        JobDependencyOrder.Sort([Sft("d"), Sft("d", ns: "other")]).Count.ShouldBe(2);
    }

    [Fact]
    public void Any_acyclic_chain_is_ordered_dependencies_first() =>
        Prop.ForAll(Gen.Shuffle(Enumerable.Range(0, 8).ToArray()).ToArbitrary(), permutation =>
        {
            // job i starts from job i-1 (a chain), listed in a random order.
            var jobs = permutation.Select(i => (PostTrainJob)Sft($"j{i}", from: i == 0 ? null : $"j{i - 1}")).ToList();
            var order = JobDependencyOrder.Sort(jobs).Select(j => j.Metadata.Name).ToList();
            return order.SequenceEqual(Enumerable.Range(0, 8).Select(i => $"j{i}"));
        }).QuickCheckThrowOnFailure();

    private static SftJob Sft(string name, string? from = null, string? ns = null)
    {
        var job = new SftJob { Metadata = new() { Name = name, Namespace = ns } };
        job.Spec.Dataset.Source = "builtin://arithmetic";
        if (from is null)
        {
            job.Spec.Model.Source = "builtin://tiny";
        }
        else
        {
            job.Spec.Model.FromJob = new() { Kind = JobReferenceKind.SftJob, Name = from };
        }

        return job;
    }
}
