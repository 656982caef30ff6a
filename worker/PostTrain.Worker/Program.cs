using PostTrain.Worker.Cli;

// posttrain-worker: runs SftJob, RlvrJob and EvalJob manifests (or the operator's job.json) on this machine,
// offers tokenize/generate/score/chat-template for people debugging a checkpoint, dataset for checking data before a
// run, and merge-adapter for folding a LoRA adapter into its base. The commands and their options: WorkerCommandLine.
return await WorkerCommandLine.InvokeAsync(args, Console.Out, Console.Error, CancellationToken.None);
