using System.Collections.Concurrent;
using System.Net;

namespace PostTrain.Metrics.Tests;

/// <summary>A tiny OTLP/HTTP receiver on 127.0.0.1: answers every POST with 200 and keeps what was posted.</summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public OtlpReceiver()
    {
        Port = TestPorts.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    public ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> Received { get; } = new();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving.WaitAsync(TimeSpan.FromSeconds(10));
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
