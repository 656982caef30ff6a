// The worker executable: `posttrain-worker run <manifest|job.json>`. Filled in by the trainer work.
Console.Error.WriteLine("posttrain-worker: the trainer is not built yet; `run` is not available.");
return 3;
