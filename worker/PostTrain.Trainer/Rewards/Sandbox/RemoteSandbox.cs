using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// A code sandbox served by <c>posttrain-worker sandbox-server</c> over a Unix socket: in the cluster, the sandbox
/// sidecar of the worker's pod (its own uid, no secrets, read-only root). One connection per run; cancelling a run
/// closes its connection, and the server kills what the run started.
/// </summary>
public sealed class RemoteSandbox : ICodeSandbox
{
    /// <summary>The environment variable that names the socket; when set, the worker's code rewards use it.</summary>
    public const string SocketVariable = "POSTTRAIN_SANDBOX_SOCKET";

    private readonly string _socket;
    private readonly TimeSpan _connectTimeout;
    private string? _serverIsolation;

    /// <summary>A client of the server at <paramref name="socketPath"/>, asking for <paramref name="options"/>'s limits (the server caps them).</summary>
    /// <param name="socketPath">The server's socket.</param>
    /// <param name="options">The limits asked for.</param>
    /// <param name="connectTimeout">How long to wait for the server to listen (it may start after the worker); default 2 minutes.</param>
    public RemoteSandbox(string socketPath, PythonSandboxOptions options, TimeSpan? connectTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(options);
        _socket = socketPath;
        Options = options;
        _connectTimeout = connectTimeout ?? TimeSpan.FromMinutes(2);
    }

    /// <summary>The limits asked for.</summary>
    public PythonSandboxOptions Options { get; }

    /// <inheritdoc />
    public string Isolation => $"the sandbox server at {_socket}" + (_serverIsolation is { } s ? $": {s}" : " (not reached yet)");

    /// <summary>Waits for the server and learns its isolation (then in <see cref="Isolation"/>).</summary>
    public async Task<string> HelloAsync(CancellationToken cancellationToken)
    {
        var reply = await ExchangeAsync(new JsonObject { ["op"] = "hello" }, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        _serverIsolation = reply["isolation"]?.GetValue<string>() ?? throw new InvalidDataException("sandbox server: no isolation in its hello");
        return Isolation;
    }

    /// <inheritdoc />
    public async Task<SandboxResult> RunAsync(string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(tests);
        var reply = await ExchangeAsync(SandboxProtocol.Request(code, tests, setupCode, Options), Options.WallTimeout + TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return reply["result"] is JsonObject result
            ? SandboxProtocol.Result(result, tests.Count)
            : throw new InvalidDataException("sandbox server: a reply without a result");
    }

    private async Task<JsonObject> ExchangeAsync(JsonObject request, TimeSpan replyTimeout, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(replyTimeout);
        JsonObject? reply;
        try
        {
            await SandboxProtocol.WriteAsync(stream, request, timeout.Token).ConfigureAwait(false);
            reply = await SandboxProtocol.ReadAsync(stream, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"sandbox server at {_socket}: no reply within {replyTimeout.TotalSeconds:0} s");
        }

        if (reply is null)
        {
            throw new IOException($"sandbox server at {_socket} closed the connection without a reply");
        }

        return reply["error"] is JsonValue error ? throw new InvalidOperationException($"sandbox server: {error.GetValue<string>()}") : reply;
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _connectTimeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(_socket), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
