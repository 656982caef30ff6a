using System.Text.Json.Nodes;

namespace PostTrain.Operator.Tests;

/// <summary>Job specs for tests, as the JSON a user would apply.</summary>
public static class Specs
{
    public static JsonObject Sft(string? output = "pvc://ckpt/sft")
    {
        var spec = Parse("""
            {
              "model": {"source": "builtin://tiny"},
              "dataset": {"source": "builtin://arithmetic?digits=2"},
              "resources": {"gpus": 1},
              "training": {"maxSteps": 10, "batchSize": 4}
            }
            """);
        if (output is not null)
        {
            spec["output"] = new JsonObject { ["uri"] = output };
        }

        return spec;
    }

    public static JsonObject Rlvr(string sft) => Parse("""
        {
          "model": {"fromJob": {"kind": "SftJob", "name": "SFT"}},
          "dataset": {"source": "builtin://arithmetic?digits=2"},
          "output": {"uri": "pvc://ckpt/rlvr"},
          "rollout": {"groupSize": 4, "promptsPerStep": 4},
          "reward": [{"type": "math"}],
          "training": {"steps": 5}
        }
        """.Replace("SFT", sft, StringComparison.Ordinal));

    public static JsonObject Eval(string sft, string rlvr) => Parse("""
        {
          "models": [
            {"name": "base", "source": "builtin://tiny"},
            {"name": "sft", "fromJob": {"kind": "SftJob", "name": "SFTNAME"}},
            {"name": "rlvr", "fromJob": {"kind": "RlvrJob", "name": "RLVRNAME"}}
          ],
          "dataset": {"source": "builtin://arithmetic?digits=2", "split": "test"}
        }
        """.Replace("SFTNAME", sft, StringComparison.Ordinal).Replace("RLVRNAME", rlvr, StringComparison.Ordinal));

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
