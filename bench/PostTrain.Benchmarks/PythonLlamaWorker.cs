using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Benchmarks;

/// <summary>
/// The python3-torch side of the Llama benchmarks: one long-lived <c>bench/python/llama_bench.py</c> process that
/// answers one JSON command per line, so C# and Python rounds can alternate without reloading the model.
/// </summary>
internal sealed class PythonLlamaWorker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private PythonLlamaWorker(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts the worker with <paramref name="threads"/> intra-op threads (OMP_NUM_THREADS and torch.set_num_threads).</summary>
    public static PythonLlamaWorker Start(string python, int threads)
    {
        var script = Path.Combine(BenchPaths.RepoRoot(), "bench", "python", "llama_bench.py");
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        return new PythonLlamaWorker(Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {python}"));
    }

    /// <summary>Loads the checkpoint directory's weights; returns Python's parameter count.</summary>
    public async Task<long> LoadAsync(string directory, int threads, CancellationToken ct)
    {
        var reply = await SendAsync(new JsonObject { ["cmd"] = "load", ["dir"] = directory, ["threads"] = threads }, ct);
        return reply.GetProperty("parameters").GetInt64();
    }

    /// <summary>Sends one command and returns its reply; throws with Python's stderr when it reports an error or dies.</summary>
    public async Task<JsonElement> SendAsync(JsonObject command, CancellationToken ct)
    {
        await _process.StandardInput.WriteLineAsync(command.ToJsonString().AsMemory(), ct);
        await _process.StandardInput.FlushAsync(ct);
        var line = await _process.StandardOutput.ReadLineAsync(ct);
        if (line is null)
        {
            await _process.WaitForExitAsync(ct);
            throw new InvalidOperationException($"llama_bench.py exited ({_process.ExitCode}): {await _stderr}");
        }

        var reply = JsonDocument.Parse(line).RootElement.Clone();
        if (reply.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"llama_bench.py: {error.GetString()}");
        }

        return reply;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await _process.StandardInput.WriteLineAsync("{\"cmd\": \"quit\"}");
            await _process.StandardInput.FlushAsync();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }
}
