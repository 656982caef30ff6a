using System.Text.Json;
using PostTrain.Api.Rlvr;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Tests.Training;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Rl;

/// <summary>
/// An RLVR update with two ranks over Gloo, each holding one group of the same rollouts, against one process holding
/// both: the mini-batch is normalised by the tokens and sequences of every rank and the gradients are summed, so the
/// weights after the update must match.
/// </summary>
public sealed class DataParallelUpdateTests
{
    [Theory]
    [InlineData("token-mean")]
    [InlineData("seq-mean-token-mean")]
    public async Task Two_ranks_make_the_update_one_process_makes_given_the_same_rollouts(string scenario)
    {
        var ranks = await RankLauncher.RunAsync(scenario, 2, TimeSpan.FromMinutes(2));
        var expected = DataParallelUpdateRank.Update(scenario, group: null);
        var fresh = DataParallelUpdateRank.Update(scenario, group: null, skipUpdate: true);
        foreach (var (name, want) in expected)
        {
            if (name.StartsWith("metric.", StringComparison.Ordinal))
            {
                foreach (var rank in ranks)
                {
                    rank[name][0].ShouldBe(want[0], Math.Max(1e-5f, Math.Abs(want[0]) * 1e-4f), name);
                }

                continue;
            }

            want.ShouldNotBe(fresh[name], $"{name} moved");
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
    }
}

/// <summary>What a rank of <see cref="DataParallelUpdateTests"/> does: the update on its share, weights printed.</summary>
internal static class DataParallelUpdateRank
{
    public static int Run(string scenario)
    {
        using var group = ProcessGroup.FromEnvironment(Backend.Gloo);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(Update(scenario, group)));
        return 0;
    }

    /// <summary>
    /// Two PPO epochs with a KL penalty over eight rollouts (two groups of four); with a group each rank takes the group
    /// of its rank. Returns the policy's weights and the update's figures.
    /// </summary>
    public static Dictionary<string, float[]> Update(string scenario, ProcessGroup? group, bool skipUpdate = false)
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var reference = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 2);
        var all = HostTransferTests.Rollouts(8);
        var rollouts = group is null ? all : all.Skip(group.Rank * 4).Take(4).ToList();
        var options = new RlvrOptions
        {
            Steps = 1,
            PromptsPerStep = 2,
            GroupSize = 4,
            PpoEpochs = 2,
            MicroBatchSize = 3,
            KlCoefficient = 0.05,
            LearningRate = 1e-2,
            MaxNewTokens = 8,
            Aggregation = scenario == "token-mean" ? LossAggregation.TokenMean : LossAggregation.SeqMeanTokenMean,
        };
        var trainable = policy.Parameters().Where(p => p.RequiresGrad).ToList();
        // Adam divides by the gradient's own scale, so a gradient that is rounding noise (1e-10 here, exactly 0 there)
        // becomes a full-size step; eps 1e-4 keeps such entries still and leaves real gradients (1e-3 and up) alone.
        using var optimizer = new AdamW(trainable, options.LearningRate, eps: 1e-4);
        var scheduler = new LearningRateScheduler(optimizer, LearningRateSchedule.Constant(0), options.LearningRate);
        var metrics = new Dictionary<string, double>();
        if (!skipUpdate)
        {
            new PolicyUpdate(policy, reference, options, ComputeOptions.Cpu, new DataParallelGroup(group, Device.Cpu), SftFixtures.PadId)
                .Run(rollouts, optimizer, scheduler, trainable, 0, metrics);
        }

        var result = policy.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray<float>());
        foreach (var name in new[] { "loss", "kl", "entropy", "clip_fraction", "grad_norm" }.Where(metrics.ContainsKey))
        {
            result["metric." + name] = [(float)metrics[name]];
        }

        return result;
    }
}
