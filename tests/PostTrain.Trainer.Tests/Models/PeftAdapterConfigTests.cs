using System.Text.Json.Nodes;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Tests.Models;

public sealed class PeftAdapterConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-peftcfg-");

    public void Dispose() => _dir.Dispose();

    private PeftAdapterConfig? Read(string json)
    {
        File.WriteAllText(Path.Combine(_dir.Path, Lora.ConfigFile), json);
        return PeftAdapterConfig.Read(_dir.Path);
    }

    [Fact]
    public void The_base_is_a_repo_id_with_its_revision_or_the_folder_a_model_was_read_from_and_never_a_posttrain_uri()
    {
        PeftBaseModel.FromSource("hf://Qwen/Qwen3-0.6B", "/cache/x").ShouldBe(new PeftBaseModel("Qwen/Qwen3-0.6B"));
        PeftBaseModel.FromSource("hf://Qwen/Qwen3-0.6B@refs%2Fpr%2F1", "/cache/x").ShouldBe(new PeftBaseModel("Qwen/Qwen3-0.6B", "refs/pr/1"));
        PeftBaseModel.FromSource("hf://org/repo/sub/folder", "/cache/org/repo/sub/folder").ShouldBe(new PeftBaseModel("/cache/org/repo/sub/folder"));
        PeftBaseModel.FromSource("pvc://models/llama", "/mnt/pvc/models/llama").ShouldBe(new PeftBaseModel("/mnt/pvc/models/llama"));
        PeftBaseModel.FromSource("builtin://tiny", null).ShouldBeNull();

        new PeftBaseModel("Qwen/Qwen3-0.6B").ToSourceUri().ShouldBe("hf://Qwen/Qwen3-0.6B");
        new PeftBaseModel("Qwen/Qwen3-0.6B", "refs/pr/1").ToSourceUri().ShouldBe("hf://Qwen/Qwen3-0.6B@refs%2Fpr%2F1");
        new PeftBaseModel(_dir.Path).ToSourceUri().ShouldBe(_dir.Path);
        new PeftBaseModel("hf://org/old").ToSourceUri().ShouldBe("hf://org/old"); // what PostTrain wrote before following PEFT
        Should.Throw<InvalidDataException>(() => new PeftBaseModel("gpt2").ToSourceUri()).Message.ShouldContain("neither an existing folder nor a Hugging Face repository id");
    }

    [Fact]
    public void A_written_config_has_peft_s_fields_and_reads_back()
    {
        var written = new PeftAdapterConfig(new LoraSettings(8, 16, 0.05, ["q_proj", "v_proj"], UseRsLora: true), new PeftBaseModel("org/base", "v2"));
        written.Write(_dir.Path);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, Lora.ConfigFile)))!.AsObject();
        json["base_model_name_or_path"]!.GetValue<string>().ShouldBe("org/base");
        json["revision"]!.GetValue<string>().ShouldBe("v2");
        json["task_type"]!.GetValue<string>().ShouldBe("CAUSAL_LM");
        json["use_rslora"]!.GetValue<bool>().ShouldBeTrue();
        json["bias"]!.GetValue<string>().ShouldBe("none");
        var read = PeftAdapterConfig.Read(_dir.Path)!;
        read.BaseModel.ShouldBe(written.BaseModel);
        read.Settings.TargetModules.ShouldBe(written.Settings.TargetModules);
        read.Settings.Scale.ShouldBe(16 / Math.Sqrt(8));
    }

    [Fact]
    public void Peft_defaults_and_the_all_linear_shorthand_are_understood()
    {
        var config = Read("""{"r": 4, "target_modules": "all-linear", "base_model_name_or_path": null}""")!;
        config.Settings.Alpha.ShouldBe(8); // PEFT's default lora_alpha
        config.Settings.Scale.ShouldBe(2);
        config.Settings.TargetModules.ShouldBe(LoraSettings.AllModules);
        config.BaseModel.ShouldBeNull();
        PeftAdapterConfig.Read(Path.Combine(_dir.Path, "none")).ShouldBeNull();
    }

    [Theory]
    [InlineData("\"use_dora\": true", "use_dora = true: DoRA is not implemented")]
    [InlineData("\"bias\": \"lora_only\"", "bias = \"lora_only\": only 'none' is implemented")]
    [InlineData("\"fan_in_fan_out\": true", "fan_in_fan_out = true")]
    [InlineData("\"modules_to_save\": [\"lm_head\"]", "modules_to_save = [\"lm_head\"]: fully trained extra modules are not loaded")]
    [InlineData("\"rank_pattern\": {\"q_proj\": 8}", "rank_pattern = {\"q_proj\":8}: per-module ranks are not implemented")]
    [InlineData("\"alpha_pattern\": {\"q_proj\": 8}", "alpha_pattern = {\"q_proj\":8}")]
    [InlineData("\"layers_to_transform\": [0]", "layers_to_transform = [0]")]
    [InlineData("\"peft_type\": \"IA3\"", "peft_type is 'IA3'; PostTrain loads LORA adapters only")]
    [InlineData("\"task_type\": \"SEQ_CLS\"", "task_type is 'SEQ_CLS'")]
    public void What_peft_can_do_and_posttrain_cannot_fails_naming_the_field(string field, string message)
    {
        var error = Should.Throw<InvalidDataException>(() => Read($$"""{"r": 4, "target_modules": ["q_proj"], {{field}}}"""));
        error.Message.ShouldContain(Lora.ConfigFile);
        error.Message.ShouldContain(message);
    }

    [Fact]
    public void Target_regexes_unknown_modules_and_a_missing_rank_fail_naming_the_field()
    {
        Should.Throw<InvalidDataException>(() => Read("""{"r": 4, "target_modules": ".*\\.q_proj"}""")).Message.ShouldContain("target_modules is the regular expression");
        Should.Throw<InvalidDataException>(() => Read("""{"r": 4, "target_modules": ["qkv_proj"]}""")).Message.ShouldContain("unknown module(s) qkv_proj");
        Should.Throw<InvalidDataException>(() => Read("""{"target_modules": ["q_proj"]}""")).Message.ShouldContain("r is missing");
        Should.Throw<InvalidDataException>(() => Read("""{"r": "four", "target_modules": ["q_proj"]}""")).Message.ShouldContain("malformed adapter config");
    }
}
