using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;

namespace PostTrain.GpuBench;

/// <summary>
/// All-reduce bandwidth between ranks on this machine, as nccl-tests reports it: algorithm bandwidth (bytes / time)
/// and bus bandwidth (× 2(n − 1)/n). Each rank is this executable again (<c>allreduce-rank</c>), one per GPU with NCCL or
/// two CPU processes with Gloo.
/// </summary>
public static class AllReduceTiming
{
    /// <summary>Starts <paramref name="ranks"/> ranks and returns rank 0's figures.</summary>
    public static JsonObject Run(int ranks, Backend backend, int megabytes, int iterations)
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var processes = new List<Process>();
        try
        {
            for (var rank = 0; rank < ranks; rank++)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
                {
                    start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "posttrain-gpu-bench.dll"));
                }

                foreach (var a in new[] { "allreduce-rank", backend.ToString(), Text(megabytes), Text(iterations) })
                {
                    start.ArgumentList.Add(a);
                }

                start.Environment["RANK"] = Text(rank);
                start.Environment["WORLD_SIZE"] = Text(ranks);
                start.Environment["MASTER_ADDR"] = "127.0.0.1";
                start.Environment["MASTER_PORT"] = port;
                start.Environment["OMP_NUM_THREADS"] = "1";
                processes.Add(Process.Start(start)!);
            }

            var outputs = processes.Select(p => p.StandardOutput.ReadToEndAsync()).ToList();
            foreach (var p in processes)
            {
                if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
                {
                    throw new TimeoutException("all-reduce ranks did not finish in 3 minutes");
                }
            }

            var failed = processes.FindIndex(p => p.ExitCode != 0);
            if (failed >= 0)
            {
                throw new InvalidOperationException($"all-reduce rank {failed} exited with {processes[failed].ExitCode}: {outputs[failed].Result}");
            }

            var line = outputs[0].Result.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            return JsonNode.Parse(line["RESULT ".Length..])!.AsObject();
        }
        finally
        {
            foreach (var p in processes)
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }

                p.Dispose();
            }
        }
    }

    /// <summary>One rank: joins the group, reduces a float32 buffer of <paramref name="megabytes"/> MiB repeatedly.</summary>
    public static int Rank(Backend backend, int megabytes, int iterations)
    {
        using var group = ProcessGroup.FromEnvironment(backend);
        var device = backend == Backend.Nccl ? Device.Cuda(group.Rank) : Device.Cpu;
        using var scope = TorchScope.NewDisposeScope();
        var elements = (long)megabytes * 1024 * 1024 / 4;
        var buffer = Tensors.Ones([elements], ScalarType.Float32, device);
        void Sync()
        {
            if (device.IsCuda)
            {
                Cuda.Synchronize(device.Index);
            }
        }

        for (var i = 0; i < 3; i++)
        {
            group.AllReduce(buffer);
        }

        Sync();
        group.Barrier();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            group.AllReduce(buffer);
        }

        Sync();
        var seconds = clock.Elapsed.TotalSeconds / iterations;
        var bytes = elements * 4.0;
        var algorithm = bytes / seconds;
        if (group.Rank == 0)
        {
            var result = new JsonObject
            {
                ["backend"] = backend.ToString().ToLowerInvariant(),
                ["ranks"] = group.WorldSize,
                ["megabytes"] = megabytes,
                ["seconds"] = seconds,
                ["algorithm_gb_per_second"] = algorithm / 1e9,
                ["bus_gb_per_second"] = algorithm * 2 * (group.WorldSize - 1) / group.WorldSize / 1e9,
            };
            Console.WriteLine("RESULT " + result.ToJsonString());
        }

        return 0;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
