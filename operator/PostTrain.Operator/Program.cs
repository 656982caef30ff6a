// The operator executable: `posttrain-operator [flags]` runs the controllers (see OperatorConfiguration for the
// flags and environment variables); `posttrain-operator crds DIR` regenerates the CRDs (`make crds`).
using PostTrain.Operator.Hosting;

if (args is ["crds", var crdDirectory])
{
    // `make crds`: regenerate crds/ from the C# types in PostTrain.Api.
    foreach (var path in PostTrain.Api.CrdGenerator.WriteAll(crdDirectory))
    {
        Console.WriteLine($"wrote {path}");
    }

    return 0;
}

OperatorConfiguration config;
try
{
    config = OperatorConfiguration.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"posttrain-operator: {e.Message}");
    return 2;
}

try
{
    await using var app = OperatorApp.Build(config);
    await app.RunAsync();
}
catch (k8s.Exceptions.KubeConfigException e)
{
    Console.Error.WriteLine($"posttrain-operator: {e.Message}");
    return 1;
}

return Environment.ExitCode;
