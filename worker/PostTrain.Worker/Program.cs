using PostTrain.Worker.Cli;

// posttrain-worker: runs SftJob, RlvrJob and EvalJob manifests (or the operator's job.json) on this machine,
// offers tokenize/generate/score/chat-template for people debugging a checkpoint, dataset for checking data before a
// run, and merge-adapter for folding a LoRA adapter into its base.
try
{
    return args.Length == 0 ? Usage(Console.Error, 2) : args[0] switch
    {
        "run" => await RunCommand.ExecuteAsync(args[1..]),
        "tokenize" => await DebugCommands.TokenizeAsync(args[1..]),
        "generate" => await DebugCommands.GenerateAsync(args[1..]),
        "score" => await DebugCommands.ScoreAsync(args[1..]),
        "reward" => await RewardCommand.ExecuteAsync(args[1..]),
        "sandbox-server" => await SandboxServerCommand.ExecuteAsync(args[1..]),
        "chat-template" => await ChatTemplateCommand.ExecuteAsync(args[1..]),
        "dataset" => await DatasetCommand.ExecuteAsync(args[1..]),
        "merge-adapter" => await MergeAdapterCommand.ExecuteAsync(args[1..]),
        "-h" or "--help" or "help" => Usage(Console.Out, 0),
        "--version" => Version(),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"posttrain-worker: {e.Message}");
    return Usage(Console.Error, 2);
}
catch (PostTrain.Worker.Running.InvalidEnvironmentException e)
{
    Console.Error.WriteLine($"posttrain-worker: InvalidEnvironment: {e.Message}");
    return WorkerExitCodes.InvalidEnvironment;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // One line, not a stack trace and exit 134; input the user must fix exits 2 so the operator does not retry it.
    var invalid = PostTrain.Worker.Running.JobFailures.IsInvalidInput(e);
    Console.Error.WriteLine($"posttrain-worker: {(invalid ? "InvalidInput: " : string.Empty)}{PostTrain.Worker.Running.JobFailures.Describe(e)}");
    PostTrain.Worker.Running.JobFailures.TraceIfAsked(e, Console.Error);
    return invalid ? WorkerExitCodes.InvalidInput : WorkerExitCodes.Failed;
}

static int Usage(TextWriter w, int code)
{
    w.WriteLine("""
        usage: posttrain-worker <command> [options]

          run FILE                 run the jobs in FILE (YAML manifests, one or many documents, or job.json)
                                   in dependency order on this machine
              --runs-dir DIR       outputs of jobs without spec.output.uri go to DIR/<job> (default: runs)
              --port N             serve /metrics and /status on port N (default: $POSTTRAIN_PORT or 9090), on every
                                   interface or on $POSTTRAIN_LISTEN_ADDRESS
              --no-server          do not serve /metrics and /status
              --termination-log F  write the result JSON to F (default: /dev/termination-log when it exists)
              --device D           auto (a GPU when there is one), cpu, or cuda (fail without one); $POSTTRAIN_DEVICE
              --nproc-per-node N   start N ranks, one per GPU, as torchrun does; $POSTTRAIN_NPROC_PER_NODE
          tokenize --tokenizer PATH   one JSON string per stdin line in, one JSON array of ids per line out
          generate --model SRC --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P]
                   [--seed S] [--raw]  (--raw: no chat template)
          score --model SRC        JSON lines {"text": ...} or {"ids": [...]} in, per-token log-probabilities out
          reward --spec FILE       score completions with the rewards of FILE (an RlvrJob's reward list, YAML or
                                   JSON), as training does, code sandbox included: JSON lines {"completion": ...,
                                   "answer": ..., "tests": [...]} in, {"score", "parts", "failed", "why"} out
          sandbox-server --socket PATH [--max-concurrency N] [--max-timeout-seconds S] [--max-memory-mb M]
                                   serve code-reward runs on a Unix socket (the cluster's sandbox sidecar; the
                                   worker uses it when $POSTTRAIN_SANDBOX_SOCKET names it); runs may ask for at
                                   most S seconds (default 3600) and M MiB (default 4096)
          chat-template --config PATH
                                   render conversations with a model's own chat template (PATH: tokenizer_config.json
                                   or a model directory, where chat_template.jinja wins): JSON lines {"messages": [...],
                                   "add_generation_prompt": bool, "extra": {...}} in, one JSON string per line out
          dataset --source URI [--format F] [--config C] [--split S] [--limit N] [--seed S] [--skip-invalid]
                  [--job FILE [--name JOB]]
                                   print the records a job would train on, one JSON object a line, through the
                                   same loader as run: F is messages, promptCompletion, gsm8k, mbpp or parquet
                                   (default messages), S defaults to train, --limit N is maxSamples (a sample drawn
                                   by --seed, default 42); --job takes the dataset, fields and seed of a job in
                                   FILE, and the other options override them. A bad record exits 2 naming
                                   file:line (or file: row N (row group G of M)) and the field
          merge-adapter --model SRC [--adapter URI] --output DIR
                                   fold a PEFT LoRA adapter into its base and save a plain Hugging Face checkpoint
                                   in DIR (new or empty): SRC is a LoRA job's checkpoint, an adapter-only folder
                                   (its base_model_name_or_path names the base) or, with --adapter, the base

        Exit codes: 0 succeeded, 1 a job failed, 2 bad command line or manifest, 3 the machine cannot run the
        job (a GPU job without a usable GPU), 143 stopped by SIGTERM after saving a checkpoint (resume with the
        same command).
        """);
    return code;
}

static int Version()
{
    Console.WriteLine($"posttrain-worker {typeof(UsageException).Assembly.GetName().Version} (libtorch {PostTrain.Torch.TorchRuntime.Version})");
    return 0;
}
