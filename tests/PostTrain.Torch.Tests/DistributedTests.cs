using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.Optim;

namespace PostTrain.Torch.Tests;

/// <summary>Two processes on 127.0.0.1 over Gloo (each test starts two copies of this assembly as ranks).</summary>
public class DistributedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Two_processes_all_reduce_broadcast_and_agree()
    {
        var r = await RankLauncher.RunAsync("collectives", 2, Timeout);
        foreach (var rank in r)
        {
            rank["sum"].ShouldBe([3f, 30f, -3f]);
            rank["avg"].ShouldBe([1.5f, 3f]);
            rank["max"].ShouldBe([2f, -1f]);
            rank["broadcast"].ShouldBe([200f, 2f]);
            rank["gather_shape"].ShouldBe([2f, 3f]);
            rank["gather"].ShouldBe([1f, -1f, 7f, 2f, -2f, 14f]);
            rank["bytes"].ShouldBe([65f, -1f, 66f, 66f, 66f, 66f, -1f]); // lengths 1 and 4, in rank order
        }

        r.Select(x => x["rank"][0]).Order().ShouldBe([0f, 1f]);
    }

    [Fact]
    public async Task Two_process_data_parallel_step_equals_one_process_step_on_the_combined_batch()
    {
        var ranks = await RankLauncher.RunAsync("dp-step", 2, Timeout);

        using var model = DistributedWorker.MakeModel();
        using var opt = new AdamW(model.Parameters(), learningRate: 0.05, weightDecay: 0.1);
        var (x, y) = DistributedWorker.MakeBatch();
        using (x)
        using (y)
        {
            var loss = DistributedWorker.Step(model, opt, x, y, pg: null);
            var expected = DistributedWorker.Flatten(model);
            ((ranks[0]["loss"][0] + ranks[1]["loss"][0]) / 2).ShouldBe((float)loss, 1e-5f);
            foreach (var (name, want) in expected)
            {
                foreach (var rank in ranks)
                {
                    var got = rank[name];
                    got.Length.ShouldBe(want.Length);
                    for (var i = 0; i < want.Length; i++)
                    {
                        got[i].ShouldBe(want[i], 1e-5f, $"{name}[{i}]");
                    }
                }
            }

            // The step moved the parameters, so the comparison is not vacuous.
            using var fresh = DistributedWorker.MakeModel();
            DistributedWorker.Flatten(fresh)["a.weight"].ShouldNotBe(expected["a.weight"]);
        }
    }

    [Fact]
    public void Bad_rendezvous_arguments_and_missing_environment_are_clear_errors()
    {
        Should.Throw<TorchException>(() => ProcessGroup.Create("127.0.0.1", 29500, rank: 3, worldSize: 2)).Message.ShouldContain("RANK 3");
        Should.Throw<TorchException>(() => ProcessGroup.Create("127.0.0.1", 0, 0, 1)).Message.ShouldContain("MASTER_PORT");
        Should.Throw<InvalidOperationException>(() => ProcessGroup.FromEnvironment(getEnv: _ => null)).Message.ShouldContain("MASTER_ADDR");
        Should.Throw<InvalidOperationException>(() => ProcessGroup.FromEnvironment(getEnv: n => n == "MASTER_PORT" ? "x" : "1")).Message.ShouldContain("MASTER_PORT='x'");
    }
}
