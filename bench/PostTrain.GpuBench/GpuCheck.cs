using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Trainer.Training;

namespace PostTrain.GpuBench;

/// <summary>
/// <c>posttrain-gpu-bench all</c>: the GPU check's measurements (SFT steps in bf16 against PyTorch eager, rollout
/// tokens/s, all-reduce), written to gpu-check.json and gpu-check.md in the output folder.
/// </summary>
public static class GpuCheck
{
    /// <summary>Runs every measurement; returns the exit code (1 when one failed, 3 for --mode gpu without a GPU).</summary>
    public static int Run(GpuCheckSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var gpu = settings.Gpu;
        var output = Directory.CreateDirectory(settings.Output).FullName;
        var python = settings.Python;
        var script = settings.Script;
        var peakTflops = settings.PeakTflops;
        var scratch = Directory.CreateTempSubdirectory("posttrain-gpu-bench-").FullName;
        if (gpu && !Cuda.IsAvailable)
        {
            Console.Error.WriteLine($"posttrain-gpu-bench: --mode gpu but libtorch {TorchRuntime.Version} sees no CUDA device (capabilities {TorchRuntime.Capabilities}); use --mode cpu");
            return 3;
        }

        var device = gpu ? Device.Cuda(0) : Device.Cpu;
        var report = new JsonObject
        {
            ["mode"] = gpu ? "gpu" : "cpu",
            ["device"] = device.ToString(),
            ["libtorch"] = TorchRuntime.Version,
            ["capabilities"] = TorchRuntime.Capabilities.ToString(),
            ["cuda_devices"] = Cuda.IsAvailable ? Cuda.DeviceCount : 0,
            ["peak_tflops"] = gpu ? peakTflops : null,
            ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        foreach (var (name, file) in new[] { ("machine", settings.Machine), ("worker", settings.Worker) })
        {
            if (file.Length > 0 && File.Exists(file))
            {
                report[name] = JsonNode.Parse(File.ReadAllText(file));
            }
        }

        if (settings.Tests is { Length: > 0 } testsXml && File.Exists(testsXml))
        {
            report["tests"] = TestReport.Summarise(testsXml);
        }

        Console.WriteLine($"posttrain-gpu-bench: {device}, libtorch {TorchRuntime.Version} ({TorchRuntime.Capabilities})");

        // (b) and (c): SFT steps in bf16, C# and PyTorch eager, on the same shapes and batch.
        var compute = new ComputeOptions { Device = device, MixedPrecision = ScalarType.BFloat16 };
        (ModelShape Shape, int Batch, int Sequence)[] sftRuns = gpu
            ? [(ModelShape.Llama125M, 16, 1024), (ModelShape.Llama500M, 8, 2048)]
            : [(ModelShape.ToyA, 4, 64), (ModelShape.ToyB, 4, 64)];
        var (steps, warmUp) = gpu ? (20, 3) : (4, 1);
        var sft = new JsonArray();
        foreach (var (shape, batch, sequence) in sftRuns)
        {
            var row = new JsonObject { ["model"] = shape.Name, ["parameters"] = shape.Config.ParameterCount, ["batch"] = batch, ["seq"] = sequence, ["steps"] = steps, ["precision"] = "bf16" };
            try
            {
                var timing = SftStepTiming.Run(shape, compute, batch, sequence, steps, warmUp, gpu ? peakTflops * 1e12 : null, scratch);
                row["csharp"] = new JsonObject
                {
                    ["median_step_seconds"] = timing.StepSeconds,
                    ["tokens_per_second"] = timing.TokensPerSecond,
                    ["mfu"] = timing.Mfu,
                    ["peak_memory_bytes"] = timing.PeakMemoryBytes,
                    ["first_loss"] = timing.Losses[0],
                    ["last_loss"] = timing.Losses[^1],
                };
                Console.WriteLine($"sft {shape.Name}: C# {timing.StepSeconds * 1000:F1} ms/step, {timing.TokensPerSecond:F0} tokens/s{(timing.Mfu is { } m ? $", MFU {m:P1}" : string.Empty)}");
            }
            catch (Exception e) when (e is TorchException or InvalidOperationException or ArgumentException)
            {
                row["csharp"] = new JsonObject { ["error"] = e.Message };
            }

            var eager = PythonEager.Sft(python, script, shape, device.IsCuda ? "cuda" : "cpu", bf16: true, batch, sequence, steps, warmUp, scratch);
            row["pytorch"] = eager;
            if (row["csharp"]?["median_step_seconds"] is { } cs && eager["median_step_seconds"] is { } py)
            {
                row["csharp_over_pytorch_step_time"] = cs.GetValue<double>() / py.GetValue<double>();
                Console.WriteLine($"sft {shape.Name}: PyTorch eager {py.GetValue<double>() * 1000:F1} ms/step; C# / PyTorch step time {row["csharp_over_pytorch_step_time"]!.GetValue<double>():F2}");
            }

            sft.Add(row);
        }

        report["sft"] = sft;

        // (d) rollout tokens/s with the KV cache at batch 64.
        var (rolloutShape, promptLength, newTokens) = gpu ? (ModelShape.Llama125M, 64, 128) : (ModelShape.ToyA, 16, 16);
        try
        {
            var rollout = RolloutTimingRun.Run(rolloutShape, compute, 64, promptLength, newTokens);
            report["rollout"] = new JsonObject { ["model"] = rolloutShape.Name, ["batch"] = 64, ["prompt"] = promptLength, ["new_tokens"] = newTokens, ["tokens_per_second"] = rollout.TokensPerSecond, ["seconds"] = rollout.Seconds };
            Console.WriteLine($"rollout {rolloutShape.Name}: {rollout.TokensPerSecond:F0} tokens/s at batch 64");
        }
        catch (Exception e) when (e is TorchException or InvalidOperationException)
        {
            report["rollout"] = new JsonObject { ["error"] = e.Message };
        }

        // (e) all-reduce: NCCL across the GPUs when there are 2 or more; two Gloo processes on the CPU.
        var gpus = Cuda.IsAvailable ? Cuda.DeviceCount : 0;
        try
        {
            report["allreduce"] = gpu
                ? gpus >= 2 ? AllReduceTiming.Run(gpus, Backend.Nccl, 256, 20) : new JsonObject { ["skipped"] = $"{gpus} GPU: NCCL all-reduce needs 2 or more" }
                : AllReduceTiming.Run(2, Backend.Gloo, 8, 5);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            report["allreduce"] = new JsonObject { ["error"] = e.Message };
        }

        Directory.Delete(scratch, recursive: true);
        File.WriteAllText(Path.Combine(output, "gpu-check.json"), report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var markdown = Markdown.Report(report);
        File.WriteAllText(Path.Combine(output, "gpu-check.md"), markdown);
        Console.WriteLine();
        Console.Write(markdown);
        var failed = sft.Any(r => r!["csharp"]?["error"] is not null) || report["rollout"]?["error"] is not null || report["allreduce"]?["error"] is not null;
        return failed ? 1 : 0;
    }
}
