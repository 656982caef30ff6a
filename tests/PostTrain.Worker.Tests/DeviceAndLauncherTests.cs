using PostTrain.Torch;
using PostTrain.Worker.Cli;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

public class DeviceAndLauncherTests
{
    [Theory]
    [InlineData(null, 0, true, 2, "cuda:0")]
    [InlineData("auto", 1, true, 2, "cuda:1")]
    [InlineData("", 0, false, 0, "cpu")]
    [InlineData("auto", 0, true, 0, "cpu")]   // a CUDA libtorch on a machine without a GPU: the CPU
    [InlineData("cpu", 1, true, 2, "cpu")]    // never a GPU when told so
    [InlineData("CUDA", 3, true, 4, "cuda:3")]
    public void The_device_is_cuda_local_rank_when_there_is_one(string? requested, int localRank, bool libtorchHasCuda, int gpus, string expected)
    {
        DeviceSelection.Choose(requested, localRank, libtorchHasCuda, gpus).ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("cuda", 0, false, 0, "this worker's libtorch was built without CUDA")]
    [InlineData("cuda", 0, true, 0, "libtorch sees no CUDA device")]
    [InlineData("auto", 2, true, 2, "LOCAL_RANK=2 but only 2 GPU(s) are visible")]
    [InlineData("tpu", 0, true, 1, "POSTTRAIN_DEVICE='tpu' is not a device choice; use auto, cpu or cuda")]
    public void A_device_that_cannot_be_had_is_an_invalid_environment(string requested, int localRank, bool libtorchHasCuda, int gpus, string message)
    {
        Should.Throw<InvalidEnvironmentException>(() => DeviceSelection.Choose(requested, localRank, libtorchHasCuda, gpus)).Message.ShouldContain(message);
    }

    [Fact]
    public void The_launcher_numbers_ranks_as_torchrun_does()
    {
        var env = new Dictionary<string, string> { ["NODE_RANK"] = "1", ["NNODES"] = "2", ["MASTER_ADDR"] = "job-0.job-workers", ["MASTER_PORT"] = "29500" };
        var plan = LocalRankLauncher.Plan(4, n => env.GetValueOrDefault(n), () => throw new InvalidOperationException("the port is given"), 9090, "/dev/termination-log");

        plan.Count.ShouldBe(4);
        plan.Select(p => p["LOCAL_RANK"]).ShouldBe(["0", "1", "2", "3"]);
        plan.Select(p => p["RANK"]).ShouldBe(["4", "5", "6", "7"]);
        plan.ShouldAllBe(p => p["WORLD_SIZE"] == "8" && p["LOCAL_WORLD_SIZE"] == "4" && p["MASTER_ADDR"] == "job-0.job-workers" && p["MASTER_PORT"] == "29500");
        plan.Select(p => p["POSTTRAIN_PORT"]).ShouldBe(["9090", "9091", "9092", "9093"]);
        plan.Select(p => p["POSTTRAIN_TERMINATION_LOG"]).ShouldBe(["/dev/termination-log", string.Empty, string.Empty, string.Empty], "one termination message per pod");

        var local = LocalRankLauncher.Plan(2, _ => null, () => 41234, 9090, null);
        local.ShouldAllBe(p => p["MASTER_ADDR"] == "127.0.0.1" && p["MASTER_PORT"] == "41234" && p["WORLD_SIZE"] == "2");
        Should.Throw<UsageException>(() => LocalRankLauncher.Plan(2, n => n == "NODE_RANK" ? "2" : n == "NNODES" ? "2" : null, () => 1, 9090, null)).Message.ShouldContain("NODE_RANK=2 must be in 0..NNODES-1");
    }

    [Fact]
    public void The_launcher_starts_ranks_only_once_and_hands_them_its_other_arguments()
    {
        LocalRankLauncher.ShouldLaunch(2, _ => null).ShouldBeTrue();
        LocalRankLauncher.ShouldLaunch(2, n => n == "LOCAL_RANK" ? "0" : null).ShouldBeFalse("a rank does not launch again");
        LocalRankLauncher.ShouldLaunch(1, _ => null).ShouldBeFalse();
        LocalRankLauncher.ChildArguments(new RunSettings { File = "job.yaml", RunsDirectory = "out", Port = 9000, NoServer = true, TerminationLog = "/t", ProcsPerNode = 2 })
            .ShouldBe(["run", "job.yaml", "--runs-dir", "out", "--no-server"]);
        LocalRankLauncher.ChildArguments(new RunSettings { File = "job.yaml", Device = "cuda" })
            .ShouldBe(["run", "job.yaml", "--runs-dir", "runs", "--device", "cuda"]);
    }

    [Theory]
    [InlineData(new[] { 0, 0 }, 0)]
    [InlineData(new[] { 143, 143 }, 143)]
    [InlineData(new[] { 0, 143 }, 143)]
    [InlineData(new[] { 1, 143 }, 1)]    // a rank failed; the others were stopped because of it
    [InlineData(new[] { 143, 2 }, 2)]    // invalid input wins: the operator must not retry
    [InlineData(new[] { 3, 1 }, 3)]
    public void The_pods_exit_code_keeps_what_the_failure_policy_acts_on(int[] codes, int expected)
    {
        LocalRankLauncher.Combine(codes).ShouldBe(expected);
    }
}
