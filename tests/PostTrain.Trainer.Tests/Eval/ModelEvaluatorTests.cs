using PostTrain.Api.Model;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Eval;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Eval;

public sealed class ModelEvaluatorTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-eval-");

    [Fact]
    public async Task A_model_taught_one_answer_is_judged_right_on_it_and_wrong_elsewhere()
    {
        var taught = new Example { Id = "a", Prompt = "What is 2 + 2?", Completion = "2 + 2 = 4\n#### 4", ReferenceAnswer = "4" };
        var other = new Example { Id = "b", Prompt = "What is 2 + 3?", ReferenceAnswer = "99" };
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var sequence = new SftEncoder(SftFixtures.Tokenizer, ChatTemplate.ChatMl, 128).Encode(taught);
        new SftTrainer(model, new SftOptions { MaxSteps = 100, BatchSize = 1, MicroBatchSize = 1, LearningRate = 1e-2, Schedule = LrSchedule.Constant }, SftFixtures.PadId)
            .Train([sequence], [], new CheckpointManager(_dir.Path));

        var eos = SftFixtures.Tokenizer.TokenToId(BuiltinTokenizers.ImEnd)!.Value;
        var evaluator = new ModelEvaluator(model, SftFixtures.Tokenizer, ChatTemplate.ChatMl, new MathReward(), SftFixtures.PadId, [eos]);
        var outcome = await evaluator.EvaluateAsync([taught, other], new EvalOptions { MaxNewTokens = 16, Samples = 4, K = [1, 4], Temperature = 0.5, Seed = 1 });

        outcome.Items[0].GreedyAnswer.ShouldBe("2 + 2 = 4\n#### 4");
        outcome.Items[0].GreedyCorrect.ShouldBeTrue();
        outcome.Items[1].GreedyCorrect.ShouldBeFalse();
        outcome.Accuracy.ShouldBe(0.5);
        outcome.Items[1].SamplesCorrect.ShouldBe(0);
        // pass@k averages the two items' unbiased estimates: item b contributes 0.
        outcome.PassAtK[4].ShouldBe(EvalMetrics.PassAtK(4, outcome.Items[0].SamplesCorrect, 4) / 2, 1e-12);
        outcome.PassAtK[1].ShouldBe(outcome.Items[0].SamplesCorrect / 4.0 / 2, 1e-12);
    }

    [Fact]
    public async Task A_k_above_the_sample_count_is_rejected()
    {
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var evaluator = new ModelEvaluator(model, SftFixtures.Tokenizer, ChatTemplate.ChatMl, new MathReward(), SftFixtures.PadId, []);
        await Should.ThrowAsync<ArgumentException>(() => evaluator.EvaluateAsync([], new EvalOptions { Samples = 2, K = [4] }));
    }

    public void Dispose() => _dir.Dispose();
}
