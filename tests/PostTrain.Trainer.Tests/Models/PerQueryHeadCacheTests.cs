using PostTrain.Torch;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

public class PerQueryHeadCacheTests
{
    private static readonly long[][] Rows = [[5, 9, 33, 4, 17, 60, 2, 8, 12], [14, 15, 9, 26, 53, 58, 9, 7, 3]];

    /// <summary>Prefills 4 tokens, then decodes the rest one at a time, with a cache of either layout.</summary>
    private static float[] Decode(CausalLanguageModel model, bool perQueryHead)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var ids = ModelFixtures.Ids(Rows);
        var attention = TorchOps.Ones([2, 9], ScalarType.Int64);
        using var cache = new KvCache(model.Config, 2, 16, ScalarType.Float32, perQueryHead: perQueryHead);
        cache.PerQueryHead.ShouldBe(perQueryHead && model.Config.NumAttentionHeads != model.Config.NumKeyValueHeads);
        var steps = new List<Tensor> { model.Forward(ids.Narrow(1, 0, 4), attention.Narrow(1, 0, 4), cache) };
        for (var t = 4; t < 9; t++)
        {
            steps.Add(model.Forward(ids.Narrow(1, t, 1), attention.Narrow(1, 0, t + 1), cache));
        }

        return TorchOps.Cat(steps, 1).ToArray<float>();
    }

    public static TheoryData<string> Configs => ["llama3", "qwen3", "qwen2", "mistral"];

    [Theory]
    [MemberData(nameof(Configs))]
    public void A_per_query_head_cache_gives_the_grouped_caches_logits(string name)
    {
        var config = name switch
        {
            "llama3" => ModelFixtures.Llama3,
            "qwen3" => ModelFixtures.Qwen3,
            "qwen2" => ModelFixtures.Qwen2,
            _ => ModelFixtures.Mistral,
        };
        using var model = new CausalLanguageModel(config, seed: 3);
        ModelFixtures.Perturb(model, 5);

        // On the CPU in float32 the grouped cache decodes in place (Functional.DecodeAttention, its own summation order);
        // the per-query-head cache goes through SDPA: the same logits to float tolerance.
        var perQueryHead = Decode(model, perQueryHead: true);
        var grouped = Decode(model, perQueryHead: false);
        perQueryHead.Length.ShouldBe(grouped.Length);
        for (var i = 0; i < grouped.Length; i++)
        {
            perQueryHead[i].ShouldBe(grouped[i], 1e-5f);
        }
    }
}
