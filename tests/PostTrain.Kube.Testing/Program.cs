using System.Globalization;
using PostTrain.Kube.Testing;

// Runs the test API server on its own, for kubectl, helm and curl (docs/kube.md, "Standalone"):
//   dotnet tests/PostTrain.Kube.Testing/bin/Release/net10.0/PostTrain.Kube.Testing.dll --port 8001 --kubeconfig /tmp/posttrain.kubeconfig
//   KUBECONFIG=/tmp/posttrain.kubeconfig tools/bin/kubectl get namespaces
const string Usage = "usage: PostTrain.Kube.Testing [--port N] [--kubeconfig PATH]   (serves the test API server on 127.0.0.1:N and writes a kubeconfig for it)";
var port = 8001;
string? kubeconfig = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
    {
        port = p;
        i++;
    }
    else if (args[i] == "--kubeconfig" && i + 1 < args.Length)
    {
        kubeconfig = args[++i];
    }
    else if (args[i] is "-h" or "--help")
    {
        Console.WriteLine(Usage);
        return 0;
    }
    else
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}'; {Usage}");
        return 2;
    }
}

await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { Port = port });
if (kubeconfig is not null)
{
    File.WriteAllText(kubeconfig, $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: posttrain-test
          cluster:
            server: {server.BaseAddress.ToString().TrimEnd('/')}
        users:
        - name: admin
          user:
            token: any
        contexts:
        - name: posttrain-test
          context:
            cluster: posttrain-test
            user: admin
        current-context: posttrain-test
        """);
}

Console.WriteLine($"test API server listening on {server.BaseAddress}{(kubeconfig is null ? "" : $"; kubeconfig written to {kubeconfig}")} (Ctrl+C to stop)");
var done = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    done.TrySetResult();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    done.TrySetResult();
});
await done.Task;
return 0;
