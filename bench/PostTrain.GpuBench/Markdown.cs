using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PostTrain.GpuBench;

/// <summary>The GPU check's report as a markdown table, ready for docs/benchmarks.md.</summary>
public static class Markdown
{
    /// <summary>Renders <paramref name="report"/> (gpu-check.json).</summary>
    public static string Report(JsonObject report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        var machine = report["machine"];
        md.AppendLine(Invariant($"### GPU check, {report["mode"]} mode: {machine?["gpu"] ?? report["device"]}, libtorch {report["libtorch"]} ({report["capabilities"]})"));
        md.AppendLine();
        if (machine is not null)
        {
            md.AppendLine(Invariant($"Machine: {machine["gpu"]} x{machine["gpu_count"]}, PyTorch {machine["torch"]}, CUDA {machine["cuda"]}; {report["time"]}."));
            md.AppendLine();
        }

        if (report["tests"] is { } tests)
        {
            md.AppendLine(Invariant($"(a) GPU tests: {tests["passed"]} passed, {tests["failed"]} failed, {tests["skipped"]} skipped of {tests["total"]}."));
            foreach (var line in tests["notes"]?.AsArray() ?? [])
            {
                md.AppendLine(Invariant($"- {line}"));
            }

            md.AppendLine();
        }

        if (report["worker"] is { } worker)
        {
            md.AppendLine(Invariant($"Worker (trimmed, self-contained) SFT → RLVR → Eval on the device: exit {worker["exit_code"]}, {worker["seconds"]} s."));
            md.AppendLine();
        }

        var peak = report["peak_tflops"]?.GetValue<double>();
        md.AppendLine(Invariant($"(b, c) SFT steps in bf16 (MFU against {(peak is { } p ? $"{p:F0} TFLOP/s dense bf16" : "no peak: CPU")}):"));
        md.AppendLine();
        md.AppendLine("| model | parameters | batch × seq | C# ms/step | C# tokens/s | MFU | peak memory | PyTorch eager ms/step | C# / PyTorch step time |");
        md.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in report["sft"]?.AsArray() ?? [])
        {
            var cs = row!["csharp"];
            var py = row["pytorch"];
            md.AppendLine(Invariant($"| {row["model"]} | {Millions(row["parameters"])} | {row["batch"]} × {row["seq"]} | {Milliseconds(cs?["median_step_seconds"]) ?? Error(cs)} | {Number(cs?["tokens_per_second"])} | {Percent(cs?["mfu"])} | {Bytes(cs?["peak_memory_bytes"])} | {Milliseconds(py?["median_step_seconds"]) ?? Error(py)} | {Ratio(row["csharp_over_pytorch_step_time"])} |"));
        }

        md.AppendLine();
        if (report["rollout"] is { } rollout)
        {
            md.AppendLine(rollout["error"] is { } e
                ? Invariant($"(d) rollout: error: {e}")
                : Invariant($"(d) rollout with the KV cache, {rollout["model"]}, batch {rollout["batch"]}, {rollout["prompt"]}-token prompts, {rollout["new_tokens"]} new tokens: {Number(rollout["tokens_per_second"])} tokens/s."));
        }

        if (report["allreduce"] is { } reduce)
        {
            md.AppendLine(reduce["skipped"] is { } skipped ? Invariant($"(e) all-reduce: skipped ({skipped}).")
                : reduce["error"] is { } error ? Invariant($"(e) all-reduce: error: {error}")
                : Invariant($"(e) all-reduce, {reduce["backend"]}, {reduce["ranks"]} ranks, {reduce["megabytes"]} MiB: bus bandwidth {reduce["bus_gb_per_second"]?.GetValue<double>():F1} GB/s (algorithm {reduce["algorithm_gb_per_second"]?.GetValue<double>():F1} GB/s)."));
        }

        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string? Milliseconds(JsonNode? seconds) => seconds is null ? null : Invariant($"{seconds.GetValue<double>() * 1000:F1}");

    private static string Number(JsonNode? value) => value is null ? "–" : Invariant($"{value.GetValue<double>():N0}");

    private static string Percent(JsonNode? value) => value is null ? "–" : Invariant($"{value.GetValue<double>() * 100:F1}%");

    private static string Ratio(JsonNode? value) => value is null ? "–" : Invariant($"{value.GetValue<double>():F2}");

    private static string Millions(JsonNode? value) => value is null ? "–" : Invariant($"{value.GetValue<long>() / 1e6:F1}M");

    private static string Bytes(JsonNode? value) => value is null ? "–" : Invariant($"{value.GetValue<long>() / (double)(1L << 30):F1} GiB");

    private static string Error(JsonNode? part) => part?["error"] is { } e ? $"error: {e}" : "–";
}
