using PostTrain.Torch;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

public class ModelBehaviourTests
{
    private static readonly long[][] Rows = [[5, 9, 33, 4, 17, 60, 2, 8, 12], [14, 15, 9, 26, 53, 58, 9, 7, 3]];

    [Fact]
    public void Incremental_decoding_with_the_kv_cache_gives_the_full_forward_logits_within_1e_5()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Llama3, seed: 3);
        ModelFixtures.Perturb(model, 5);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var ids = ModelFixtures.Ids(Rows);
        var full = model.Forward(ids);

        using var cache = new KvCache(model.Config, 2, 16, ScalarType.Float32);
        var steps = new List<Tensor> { model.Forward(ids.Narrow(1, 0, 4), null, cache) }; // prefill 4 tokens
        for (var t = 4; t < 9; t++)
        {
            steps.Add(model.Forward(ids.Narrow(1, t, 1), null, cache));
        }

        cache.Length.ShouldBe(9);
        ModelFixtures.MaxAbsDiff(TorchOps.Cat(steps, 1), full).ShouldBeLessThan(1e-5f);
    }

    [Fact]
    public void Left_padding_leaves_the_real_positions_logits_unchanged()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Qwen3, seed: 3);
        ModelFixtures.Perturb(model, 6);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var alone = model.Forward(ModelFixtures.Ids([[7, 8, 9, 10]]));

        // The same row left-padded by three pad tokens (id 0) in a batch with a longer row.
        var ids = ModelFixtures.Ids([[0, 0, 0, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7]]);
        var mask = ModelFixtures.Ids([[0, 0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]);
        var padded = model.Forward(ids, mask);

        padded.IsFinite().All().ToArray<bool>()[0].ShouldBeTrue();
        ModelFixtures.MaxAbsDiff(padded[0].Narrow(0, 3, 4).Unsqueeze(0), alone).ShouldBeLessThan(1e-5f);
    }

    [Fact]
    public void Lora_with_zero_initialised_B_equals_the_base_and_merging_a_trained_adapter_preserves_outputs()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Qwen2, seed: 4);
        ModelFixtures.Perturb(model, 8);
        using var scope = TorchScope.NewDisposeScope();
        var ids = ModelFixtures.Ids(Rows);
        Tensor before;
        using (TorchOps.NoGrad())
        {
            before = model.Forward(ids);
        }

        using var generator = new Generator(9);
        var attention = model.Body.Layers[0].SelfAttention;
        attention.QProj.AttachLora(4, 8, 0, generator);
        attention.VProj.AttachLora(4, 8, 0, generator);
        attention.QProj.Weight.RequiresGrad.ShouldBeFalse();
        model.NamedParameters().Select(p => p.Name).ShouldContain("model.layers.0.self_attn.q_proj.lora_A.weight");
        model.NamedParameters().Select(p => p.Name).ShouldContain("model.layers.0.self_attn.v_proj.lora_B.weight");

        using (TorchOps.NoGrad())
        {
            ModelFixtures.MaxAbsDiff(model.Forward(ids), before).ShouldBe(0f);

            // "Train" B, then check that merging folds the adapter into the base weight exactly.
            attention.QProj.LoraB!.Weight.AddInPlace(TorchOps.RandN(attention.QProj.LoraB.Weight.Shape, ScalarType.Float32, null, generator) * 0.1);
            var adapted = model.Forward(ids);
            ModelFixtures.MaxAbsDiff(adapted, before).ShouldBeGreaterThan(1e-4f);
            attention.QProj.MergeLora();
            ModelFixtures.MaxAbsDiff(model.Forward(ids), adapted).ShouldBeLessThan(1e-5f);
        }
    }

    [Fact]
    public void Attention_mask_lets_a_query_see_earlier_real_keys_and_itself_only()
    {
        using var scope = TorchScope.NewDisposeScope();
        var mask = CausalLanguageModel.AttentionMask(ModelFixtures.Ids([[0, 1, 1]]), past: 0, seq: 3);
        mask.Shape.ShouldBe([1L, 1, 3, 3]);
        mask.To(ScalarType.Int64).ToArray<long>().ShouldBe([
            1, 0, 0, // a pad query sees only itself
            0, 1, 0, // the first real token does not see the pad
            0, 1, 1]);
    }
}
