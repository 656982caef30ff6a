// Entry point for running the test API server on its own; filled in by the PostTrain.Kube work.
Console.Error.WriteLine("PostTrain.Kube.Testing: the test API server is not built yet.");
return 1;
