using System.CommandLine;
using PostTrain.GpuBench;
using PostTrain.Torch.Distributed;

// posttrain-gpu-bench: the measurements of the GPU check. `all` runs them and writes gpu-check.json and gpu-check.md
// (GpuCheck); `allreduce-rank` is one rank of the all-reduce measurement (started by `all`). `--help` on each.
var mode = new Option<string>("--mode") { Description = "gpu, or cpu for toy shapes on the CPU.", HelpName = "MODE", DefaultValueFactory = _ => "gpu" };
mode.AcceptOnlyFromAmong("gpu", "cpu");
var output = new Option<string>("--out") { Description = "The folder gpu-check.json and gpu-check.md go to.", HelpName = "DIR", DefaultValueFactory = _ => "gpu-check" };
var python = new Option<string>("--python") { Description = "The python3 with torch for the PyTorch eager side.", HelpName = "PY", DefaultValueFactory = _ => "python3" };
var script = new Option<string>("--script")
{
    Description = "The PyTorch eager SFT script.",
    HelpName = "PATH",
    DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "..", "python", "gpu_sft_eager.py"),
};
var machine = new Option<string>("--machine") { Description = "A machine.json to include in the report.", HelpName = "FILE", DefaultValueFactory = _ => string.Empty };
var tests = new Option<string>("--tests") { Description = "A test results XML to summarise in the report.", HelpName = "FILE", DefaultValueFactory = _ => string.Empty };
var worker = new Option<string>("--worker") { Description = "A worker.json to include in the report.", HelpName = "FILE", DefaultValueFactory = _ => string.Empty };
var peakTflops = new Option<double>("--peak-tflops") { Description = "The GPU's dense bf16 peak in TFLOPS, for MFU.", HelpName = "N", DefaultValueFactory = _ => 989 };
var all = new Command("all", "Run the GPU check's measurements: SFT steps against PyTorch eager, rollout tokens/s, all-reduce.")
{
    mode, output, python, script, machine, tests, worker, peakTflops,
};
all.SetAction(parse => GpuCheck.Run(new GpuCheckSettings
{
    Gpu = parse.GetRequiredValue(mode) == "gpu",
    Output = parse.GetRequiredValue(output),
    Python = parse.GetRequiredValue(python),
    Script = parse.GetRequiredValue(script),
    PeakTflops = parse.GetValue(peakTflops),
    Machine = parse.GetRequiredValue(machine),
    Worker = parse.GetRequiredValue(worker),
    Tests = parse.GetRequiredValue(tests),
}));

var backend = new Argument<Backend>("BACKEND") { Description = "The collective backend (Nccl or Gloo)." };
var megabytes = new Argument<int>("MEGABYTES") { Description = "The all-reduced tensor's size in MB." };
var iterations = new Argument<int>("ITERATIONS") { Description = "Timed all-reduces." };
var rank = new Command("allreduce-rank", "One rank of the all-reduce measurement (all starts them; the rank comes from the environment).")
{
    backend, megabytes, iterations,
};
rank.SetAction(parse => AllReduceTiming.Rank(parse.GetValue(backend), parse.GetValue(megabytes), parse.GetValue(iterations)));

var root = new RootCommand("posttrain-gpu-bench: the measurements of the GPU check (scripts/gpu-check.sh).") { all, rank };
root.HelpName = "posttrain-gpu-bench";
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"posttrain-gpu-bench: {error.Message}");
    }

    Console.Error.WriteLine("Run 'posttrain-gpu-bench --help' for usage.");
    return 2;
}

return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
