// The operator executable: `posttrain-operator [flags]` runs the controllers (see OperatorOptions for the flags and
// environment variables); `posttrain-operator crds DIR` regenerates the CRDs (`make crds`). `--help` says more.
using Microsoft.Extensions.Hosting;
using PostTrain.Operator.Hosting;

return await OperatorCommandLine.InvokeAsync(args, Environment.GetEnvironmentVariable, RunAsync, Console.Out, Console.Error, CancellationToken.None);

static async Task<int> RunAsync(OperatorConfiguration config, CancellationToken cancellationToken)
{
    try
    {
        await using var app = OperatorApp.Build(config);
        await ((IHost)app).RunAsync(cancellationToken); // the host's own RunAsync, which takes a token
    }
    catch (k8s.Exceptions.KubeConfigException e)
    {
        Console.Error.WriteLine($"posttrain-operator: {e.Message}");
        return 1;
    }

    return Environment.ExitCode;
}
