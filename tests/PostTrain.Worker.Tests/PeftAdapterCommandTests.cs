using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PostTrain.Torch;
using PostTrain.Torch.Serialization;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Tests.Sources;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Worker.Running;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Worker.Tests;

/// <summary>
/// PEFT adapters end to end through the real command: a LoRA job saves PEFT's files naming its base by path, an
/// adapter-only folder loads onto that base, and <c>merge-adapter</c> exports plain checkpoints.
/// </summary>
public sealed partial class PeftAdapterCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-peft-cmd-");
    private readonly string _base;

    public PeftAdapterCommandTests()
    {
        _base = Path.Combine(_dir.Path, "base");
        var tokenizer = BuiltinTokenizers.Arithmetic;
        using var loaded = new LoadedModel(new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), 5), tokenizer, ChatTemplate.ChatMl, _base);
        HfCheckpoint.Save(loaded.Model, _base, loaded.SaveTokenizer);
    }

    public void Dispose() => _dir.Dispose();

    private string LoraJob(string name, string? adapter = null) => $$"""
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: {{name}}}
        spec:
          seed: 3
          model: {source: "{{_base}}"{{(adapter is null ? string.Empty : $", adapter: \"{adapter}\"")}} }
          dataset: {source: "builtin://arithmetic?split=sft&count=16", format: gsm8k}
          training: {maxSteps: 2, batchSize: 8, microBatchSize: 8, learningRate: 1e-2, maxSeqLength: 96, logEverySteps: 1, precision: fp32, lora: {rank: 4, alpha: 8} }
        """;

    private (int Code, string Stderr) Worker(params string[] args)
    {
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", args);
        return (code, stderr);
    }

    private static Dictionary<string, float[]> Weights(string checkpoint)
    {
        using var scope = TorchScope.NewDisposeScope();
        return SafeTensors.Load(Path.Combine(checkpoint, "model.safetensors")).ToDictionary(kv => kv.Key, kv => kv.Value.To(ScalarType.Float32).Flatten().ToArray<float>(), StringComparer.Ordinal);
    }

    [Fact]
    public void A_lora_job_saves_peft_names_and_its_base_as_a_path_and_every_way_of_loading_the_adapter_merges_the_same()
    {
        var manifest = Path.Combine(_dir.Path, "lora.yaml");
        File.WriteAllText(manifest, LoraJob("lora"));
        var (runCode, runErr) = Worker("run", manifest, "--runs-dir", "out", "--no-server");
        runCode.ShouldBe(0, runErr);
        var checkpoint = Directory.GetDirectories(Path.Combine(_dir.Path, "out", "lora"), "checkpoint-*").Single();

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, Lora.ConfigFile)))!;
        config["base_model_name_or_path"]!.GetValue<string>().ShouldBe(_base);
        config["peft_type"]!.GetValue<string>().ShouldBe("LORA");
        config["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(LoraSettings.AllModules);
        var keys = JsonNode.Parse(SafeTensors.ReadHeader(Path.Combine(checkpoint, Lora.WeightsFile)))!.AsObject().Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        keys.Count.ShouldBe(BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic).NumHiddenLayers * 7 * 2);
        keys.ShouldAllBe(k => PeftKey().IsMatch(k));

        // The adapter alone, as PEFT users pass adapters around: its base comes from base_model_name_or_path.
        var adapterOnly = Directory.CreateDirectory(Path.Combine(_dir.Path, "adapter-only")).FullName;
        File.Copy(Path.Combine(checkpoint, Lora.ConfigFile), Path.Combine(adapterOnly, Lora.ConfigFile));
        File.Copy(Path.Combine(checkpoint, Lora.WeightsFile), Path.Combine(adapterOnly, Lora.WeightsFile));

        Worker("merge-adapter", "--model", adapterOnly, "--output", "from-adapter").Code.ShouldBe(0);
        Worker("merge-adapter", "--model", checkpoint, "--output", "from-checkpoint").Code.ShouldBe(0);
        var (explicitCode, explicitErr) = Worker("merge-adapter", "--model", _base, "--adapter", adapterOnly, "--output", "from-base");
        explicitCode.ShouldBe(0, explicitErr);
        explicitErr.ShouldContain("a plain checkpoint in");

        var fromAdapter = Path.Combine(_dir.Path, "from-adapter");
        File.Exists(Path.Combine(fromAdapter, Lora.ConfigFile)).ShouldBeFalse("a merged checkpoint is plain");
        File.Exists(Path.Combine(fromAdapter, "tokenizer.json")).ShouldBeTrue();
        var merged = Weights(fromAdapter);
        Changed(Weights(Path.Combine(_dir.Path, "from-checkpoint")), merged).ShouldBeEmpty();
        Changed(Weights(Path.Combine(_dir.Path, "from-base")), merged).ShouldBeEmpty();

        // Every projection moved (B was trained from zero), nothing else did.
        var changed = Changed(Weights(_base), merged);
        changed.Count.ShouldBe(keys.Count / 2);
        changed.Select(name => $"base_model.model.{name.Replace(".weight", ".lora_A.weight", StringComparison.Ordinal)}").ShouldBe(keys.Where(k => k.Contains(".lora_A.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_job_s_model_adapter_is_merged_into_its_base_before_training()
    {
        var first = Path.Combine(_dir.Path, "first.yaml");
        File.WriteAllText(first, LoraJob("first"));
        Worker("run", first, "--runs-dir", "out", "--no-server").Code.ShouldBe(0);
        var adapter = Directory.GetDirectories(Path.Combine(_dir.Path, "out", "first"), "checkpoint-*").Single();
        Worker("merge-adapter", "--model", _base, "--adapter", adapter, "--output", "merged").Code.ShouldBe(0);

        // A second LoRA job on model {source: base, adapter: the first job's checkpoint}: its frozen base is the merge.
        var second = Path.Combine(_dir.Path, "second.yaml");
        File.WriteAllText(second, LoraJob("second", adapter));
        var (code, stderr) = Worker("run", second, "--runs-dir", "out", "--no-server");
        code.ShouldBe(0, stderr);
        var checkpoint = Directory.GetDirectories(Path.Combine(_dir.Path, "out", "second"), "checkpoint-*").Single();
        Changed(Weights(checkpoint), Weights(Path.Combine(_dir.Path, "merged"))).ShouldBeEmpty();
        JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, Lora.ConfigFile)))!["base_model_name_or_path"]!.GetValue<string>().ShouldBe(adapter);
    }

    [Fact]
    public async Task An_adapter_repository_on_the_hub_loads_onto_the_base_repository_its_config_names()
    {
        var local = Directory.CreateDirectory(Path.Combine(_dir.Path, "local-adapter")).FullName;
        using (var model = HfCheckpoint.Load(_base))
        {
            var settings = new LoraSettings(2, 4, 0, ["q_proj", "up_proj"]);
            Lora.Apply(model, settings, 9);
            using var scope = TorchScope.NewDisposeScope();
            using var noGrad = TorchOps.NoGrad();
            using var generator = new Generator(10);
            foreach (var (_, p) in model.NamedParameters().Where(p => p.Name.Contains("lora_B", StringComparison.Ordinal)))
            {
                p.AddInPlace(TorchOps.RandN(p.Shape, ScalarType.Float32, null, generator) * 0.1);
            }

            Lora.SaveAdapter(model, settings, local, new PeftBaseModel("org/base"));
        }

        await using var hub = new FakeHub();
        foreach (var file in Directory.GetFiles(_base))
        {
            hub.Files[$"org/base/main/{Path.GetFileName(file)}"] = File.ReadAllBytes(file);
        }

        foreach (var file in Directory.GetFiles(local))
        {
            hub.Files[$"org/math-lora/main/{Path.GetFileName(file)}"] = File.ReadAllBytes(file);
        }

        var environment = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint, ["POSTTRAIN_CACHE"] = Path.Combine(_dir.Path, "cache") };
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, environment, "merge-adapter", "--model", "hf://org/math-lora", "--output", "from-hub");
        code.ShouldBe(0, stderr);
        Worker("merge-adapter", "--model", _base, "--adapter", local, "--output", "from-local").Code.ShouldBe(0);

        Changed(Weights(Path.Combine(_dir.Path, "from-hub")), Weights(Path.Combine(_dir.Path, "from-local"))).ShouldBeEmpty();
        Changed(Weights(_base), Weights(Path.Combine(_dir.Path, "from-hub"))).Count.ShouldBe(2 * BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic).NumHiddenLayers);
        hub.Requests.Select(r => r.Path).ShouldContain("org/base/resolve/main/model.safetensors");
        hub.Requests.Select(r => r.Path).ShouldContain("org/math-lora/resolve/main/adapter_model.safetensors");
    }

    [Fact]
    public void Merging_needs_an_adapter_and_a_base_that_peft_can_name()
    {
        var (none, noneErr) = Worker("merge-adapter", "--model", _base, "--output", "plain");
        none.ShouldBe(2);
        noneErr.ShouldContain("holds no PEFT adapter");

        var adapter = Directory.CreateDirectory(Path.Combine(_dir.Path, "orphan")).FullName;
        File.WriteAllText(Path.Combine(adapter, Lora.ConfigFile), """{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"], "base_model_name_or_path": "not a repo"}""");
        File.WriteAllBytes(Path.Combine(adapter, Lora.WeightsFile), [0]);
        var (orphan, orphanErr) = Worker("merge-adapter", "--model", adapter, "--output", "x");
        orphan.ShouldBe(2);
        orphanErr.ShouldContain("base_model_name_or_path 'not a repo' is neither an existing folder nor a Hugging Face repository id");

        File.WriteAllText(Path.Combine(adapter, Lora.ConfigFile), """{"peft_type": "LORA", "r": 4, "target_modules": ["q_proj"], "use_dora": true}""");
        var (dora, doraErr) = Worker("merge-adapter", "--model", _base, "--adapter", adapter, "--output", "y");
        dora.ShouldBe(2);
        doraErr.ShouldContain("use_dora = true: DoRA is not implemented");
    }

    /// <summary>The names of the tensors that differ between two checkpoints with the same names.</summary>
    private static List<string> Changed(Dictionary<string, float[]> a, Dictionary<string, float[]> b)
    {
        a.Keys.Order(StringComparer.Ordinal).ShouldBe(b.Keys.Order(StringComparer.Ordinal));
        return [.. a.Keys.Where(k => !a[k].SequenceEqual(b[k])).Order(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"^base_model\.model\.model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.lora_[AB]\.weight$")]
    private static partial Regex PeftKey();
}
