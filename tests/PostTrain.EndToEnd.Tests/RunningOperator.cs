using System.Globalization;
using Microsoft.AspNetCore.Builder;
using PostTrain.Operator.Hosting;

namespace PostTrain.EndToEnd.Tests;

/// <summary>
/// The operator as its process runs it (<see cref="OperatorApp"/> with command-line flags, the HTTP worker status
/// client, no leader election), in this test process. Disposing stops it as SIGTERM would.
/// </summary>
public sealed class RunningOperator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private RunningOperator(WebApplication app) => _app = app;

    public static async Task<RunningOperator> StartAsync(Uri server, string ns, string workerImage)
    {
        var config = OperatorConfiguration.Parse(
            ["--server", server.ToString(), "--namespace", ns, "--worker-image", workerImage, "--no-leader-elect", "--port", TestPorts.Free().ToString(CultureInfo.InvariantCulture)],
            _ => null);
        var app = OperatorApp.Build(config);
        await app.StartAsync();
        return new RunningOperator(app);
    }

    /// <summary>Stops the operator (its controllers and informers end; nothing it created is touched).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
