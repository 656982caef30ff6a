using System.Globalization;
using PostTrain.Kube.Testing;

// Runs the test API server on its own, for debugging with curl:
//   dotnet run --project tests/PostTrain.Kube.Testing -- --port 8001
//   curl -s localhost:8001/api/v1/namespaces/default/configmaps
var port = 8001;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
    {
        port = p;
        i++;
    }
    else if (args[i] is "-h" or "--help")
    {
        Console.WriteLine("usage: PostTrain.Kube.Testing [--port N]   (serves the test API server on 127.0.0.1:N)");
        return 0;
    }
    else
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: PostTrain.Kube.Testing [--port N]");
        return 2;
    }
}

await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { Port = port });
Console.WriteLine($"test API server listening on {server.BaseAddress} (Ctrl+C to stop)");
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
