using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Benchmarks;

/// <summary>
/// Data and rewards: JSON-lines loading (against Python's json module on the same file) and the code sandbox's
/// per-item latency. Arithmetic generation and math reward scoring are micro-benchmarks (<see cref="ArithmeticRewardBenchmarks"/>).
/// </summary>
public sealed class DataRewardsBenchmark : IBenchmark
{
    public string Name => "data-rewards";

    public string Description => "dataset loading vs python json, code sandbox latency";

    private readonly Argument<int> _records = new("records") { Description = "JSON-lines records to load.", DefaultValueFactory = _ => 100_000 };

    public void Configure(Command command) => command.Arguments.Add(_records);

    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var records = parse.GetValue(_records);
        var dir = Directory.CreateTempSubdirectory("posttrain-bench-data-").FullName;
        try
        {
            // 1. Loading GSM8K-shaped JSON lines.
            var examples = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Rl, Math.Min(records, 10_000), seed: 1);
            var path = Path.Combine(dir, "gsm.jsonl");
            await using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                for (var i = 0; i < records; i++)
                {
                    var e = examples[i % examples.Count];
                    var line = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["question"] = e.Prompt!, ["answer"] = $"work\n#### {e.ReferenceAnswer}" });
                    await writer.WriteLineAsync(line.AsMemory(), cancellationToken);
                }
            }

            var size = new FileInfo(path).Length;
            await DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), cancellationToken); // warm-up
            var best = double.MaxValue;
            for (var rep = 0; rep < 3; rep++)
            {
                var sw = Stopwatch.StartNew();
                var loaded = await DatasetLoader.LoadAsync(path, new DatasetLoadOptions(), cancellationToken);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                if (loaded.Examples.Count != records)
                {
                    throw new InvalidOperationException("wrong record count");
                }
            }

            Console.WriteLine($"load jsonl (C#):      {records} records, {size / 1e6:0.0} MB in {best * 1000:0} ms = {records / best / 1e3:0} k records/s");
            var python = PythonSandbox.FindPython();
            if (python is not null)
            {
                var script = "import json,sys,time\nbest=1e9\nfor _ in range(3):\n t=time.perf_counter()\n rows=[]\n for line in open(sys.argv[1],encoding='utf-8'):\n  if line.strip():\n   r=json.loads(line); a=r['answer']; rows.append((r['question'],a,a.rsplit('####',1)[1].strip()))\n best=min(best,time.perf_counter()-t)\nprint(best)";
                var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
                psi.ArgumentList.Add("-c");
                psi.ArgumentList.Add(script);
                psi.ArgumentList.Add(path);
                using var p = Process.Start(psi)!;
                var output = await p.StandardOutput.ReadToEndAsync(cancellationToken);
                await p.WaitForExitAsync(cancellationToken);
                var seconds = double.Parse(output.Trim(), CultureInfo.InvariantCulture);
                Console.WriteLine($"load jsonl (python {python} json): {seconds * 1000:0} ms = {records / seconds / 1e3:0} k records/s");
            }

            // 2. Code sandbox latency (one process per item).
            if (python is not null)
            {
                var sandbox = new PythonSandbox();
                var tests = new[] { "assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(0, 0) == 0" };
                await sandbox.RunAsync("def add(a, b):\n    return a + b", tests, null, cancellationToken);
                const int runs = 20;
                var times = new List<double>();
                for (var i = 0; i < runs; i++)
                {
                    var sw = Stopwatch.StartNew();
                    var r = await sandbox.RunAsync("def add(a, b):\n    return a + b", tests, null, cancellationToken);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    if (r.PassedCount != 3)
                    {
                        throw new InvalidOperationException("sandbox run failed");
                    }
                }

                times.Sort();
                Console.WriteLine($"code sandbox:         {runs} items, median {times[runs / 2]:0} ms, p90 {times[(int)(runs * 0.9)]:0} ms per item (isolation: {sandbox.Isolation})");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
