using System.Globalization;
using System.Text.Json;

namespace PostTrain.Testing;

/// <summary>
/// Starts ranks of the running test assembly as separate processes on 127.0.0.1 (<c>dotnet exec ASSEMBLY dist-worker
/// SCENARIO</c>, with MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE set); each prints one <c>RESULT {json}</c> line of
/// named float arrays. The assembly's own Main dispatches the scenario.
/// </summary>
internal static class RankLauncher
{
    public static async Task<List<Dictionary<string, float[]>>> RunAsync(string scenario, int worldSize, TimeSpan timeout)
    {
        var port = TestPorts.Free();
        var dll = typeof(RankLauncher).Assembly.Location;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var procs = new List<System.Diagnostics.Process>();
        try
        {
            for (var rank = 0; rank < worldSize; rank++)
            {
                var psi = new System.Diagnostics.ProcessStartInfo(dotnet)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                psi.ArgumentList.Add("exec");
                psi.ArgumentList.Add(dll);
                psi.ArgumentList.Add("dist-worker");
                psi.ArgumentList.Add(scenario);
                psi.Environment["MASTER_ADDR"] = "127.0.0.1";
                psi.Environment["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
                psi.Environment["RANK"] = rank.ToString(CultureInfo.InvariantCulture);
                psi.Environment["WORLD_SIZE"] = worldSize.ToString(CultureInfo.InvariantCulture);
                psi.Environment["OMP_NUM_THREADS"] = "1";
                procs.Add(System.Diagnostics.Process.Start(psi)!);
            }

            using var cts = new CancellationTokenSource(timeout);
            var outputs = procs.Select(p => (Out: p.StandardOutput.ReadToEndAsync(cts.Token), Err: p.StandardError.ReadToEndAsync(cts.Token))).ToList();
            var results = new List<Dictionary<string, float[]>>();
            for (var i = 0; i < procs.Count; i++)
            {
                await procs[i].WaitForExitAsync(cts.Token);
                var stdout = await outputs[i].Out;
                var stderr = await outputs[i].Err;
                procs[i].ExitCode.ShouldBe(0, $"rank {i} failed:\n{stdout}\n{stderr}");
                var line = stdout.Split('\n').SingleOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"rank {i} printed no RESULT line:\n{stdout}\n{stderr}");
                results.Add(JsonSerializer.Deserialize<Dictionary<string, float[]>>(line["RESULT ".Length..])!);
            }

            return results;
        }
        finally
        {
            foreach (var p in procs)
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }

                p.Dispose();
            }
        }
    }
}
