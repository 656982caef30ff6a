using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// Serves code-sandbox runs on a Unix socket (<c>posttrain-worker sandbox-server</c>; in the cluster, the worker pod's
/// sandbox sidecar). Each run uses the strongest isolation this container allows; where that is none, the container
/// itself is the boundary, and this process becomes a child subreaper so that descendants that escape their process
/// group are reparented here and killed after every run. Requests may ask for lower limits, never higher ones.
/// </summary>
public sealed class SandboxServer
{
    private readonly string _socketPath;
    private readonly PythonSandbox _sandbox;
    private readonly SemaphoreSlim _slots;
    private readonly Action<string> _log;

    /// <summary>
    /// Creates the server; <paramref name="ceiling"/> holds the highest limits a request may ask for, and
    /// <paramref name="maxConcurrency"/> how many runs proceed at once (the rest wait).
    /// </summary>
    public SandboxServer(string socketPath, PythonSandboxOptions ceiling, int maxConcurrency, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(ceiling);
        _socketPath = socketPath;
        _sandbox = new PythonSandbox(ceiling with { InsideSandboxContainer = true });
        _slots = new SemaphoreSlim(Math.Max(1, maxConcurrency));
        _log = log ?? (_ => { });
    }

    /// <summary>What isolates each run.</summary>
    public string Isolation => _sandbox.Isolation;

    /// <summary>Listens until <paramref name="cancellationToken"/> is cancelled, then removes the socket.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the sandbox server needs Linux");
        }

        var reaps = _sandbox.Mode == SandboxIsolation.None;
        if (reaps && SandboxNative.prctl(SandboxNative.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException("sandbox server: could not become a child subreaper (prctl PR_SET_CHILD_SUBREAPER)");
        }

        if (File.Exists(_socketPath))
        {
            File.Delete(_socketPath);
        }

        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        // The worker runs as another uid and shares only this folder with the server.
        File.SetUnixFileMode(_socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        listener.Listen(128);
        _log($"sandbox server listening on {_socketPath}; isolation: {Isolation}");
        var connections = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ServeAsync(client, reaps, cancellationToken));
            }

            await Task.WhenAll(connections).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                File.Delete(_socketPath);
            }
            catch (IOException)
            {
                // A read-only or vanished folder: nothing to clean.
            }
        }
    }

    private async Task ServeAsync(Socket client, bool reaps, CancellationToken stopping)
    {
        using (client)
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            JsonObject reply;
            try
            {
                var request = await SandboxProtocol.ReadAsync(stream, stopping).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                reply = request["op"]?.GetValue<string>() switch
                {
                    "hello" => new JsonObject { ["isolation"] = Isolation },
                    "run" => await RunOneAsync(request, stream, reaps, stopping).ConfigureAwait(false),
                    var op => new JsonObject { ["error"] = $"unknown request '{op}'" },
                };
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
            {
                reply = new JsonObject { ["error"] = e.Message };
            }
            catch (IOException)
            {
                return;
            }

            try
            {
                await SandboxProtocol.WriteAsync(stream, reply, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The worker went away; nothing to tell.
            }
        }
    }

    private async Task<JsonObject> RunOneAsync(JsonObject request, NetworkStream stream, bool reaps, CancellationToken stopping)
    {
        var code = request["code"]?.GetValue<string>() ?? throw new InvalidDataException("a run request needs 'code'");
        var tests = (request["tests"] as JsonArray ?? throw new InvalidDataException("a run request needs 'tests'"))
            .Select(t => t?.GetValue<string>() ?? throw new InvalidDataException("tests must be strings")).ToList();
        var setup = request["setup"]?.GetValue<string>();
        var limits = SandboxProtocol.Limits(request, _sandbox.Options);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // The worker sends nothing more: a read that ends means it closed the connection (cancelled the run).
        _ = WatchForHangUpAsync(stream, run);
        await _slots.WaitAsync(run.Token).ConfigureAwait(false);
        try
        {
            var result = await _sandbox.RunAsync(limits, code, tests, setup, run.Token).ConfigureAwait(false);
            return new JsonObject { ["result"] = SandboxProtocol.Result(result) };
        }
        finally
        {
            _slots.Release();
            if (reaps)
            {
                KillEscapees();
            }
        }
    }

    private static async Task WatchForHangUpAsync(NetworkStream stream, CancellationTokenSource run)
    {
        try
        {
            _ = await stream.ReadAsync(new byte[1], run.Token).ConfigureAwait(false);
            run.Cancel();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The run ended first, or the connection broke (then the run's reply fails to send, which is fine).
        }
    }

    private void KillEscapees()
    {
        foreach (var pid in SandboxRun.ChildrenOtherThanHarnesses())
        {
            _ = SandboxNative.kill(pid, SandboxNative.SIGKILL);
            for (var i = 0; i < 50 && SandboxNative.waitpid(pid, out _, SandboxNative.WNOHANG) == 0; i++)
            {
                Thread.Sleep(2);
            }

            _log($"sandbox server: killed process {pid}, which had escaped a run's process group");
        }
    }
}
