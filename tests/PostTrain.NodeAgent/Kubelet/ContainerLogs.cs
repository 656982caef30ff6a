using System.Text;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Container log files as a kubelet serves them: the last N lines, a byte limit, and following a running
/// container's file until it exits. Logs are the raw output (no timestamps are recorded, so <c>timestamps=true</c>
/// adds none).
/// </summary>
internal static class ContainerLogs
{
    /// <summary>How often a followed log is checked for new output.</summary>
    private static readonly TimeSpan FollowPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The byte offset where the last <paramref name="lines"/> lines of <paramref name="stream"/> begin.</summary>
    public static long TailOffset(Stream stream, int lines)
    {
        if (lines <= 0)
        {
            return stream.Length;
        }

        var buffer = new byte[8192];
        var position = stream.Length;
        var newlines = 0;
        var skipTrailing = true;
        while (position > 0)
        {
            var read = (int)Math.Min(buffer.Length, position);
            position -= read;
            stream.Position = position;
            stream.ReadExactly(buffer, 0, read);
            for (var i = read - 1; i >= 0; i--)
            {
                if (buffer[i] != '\n')
                {
                    skipTrailing = false;
                    continue;
                }

                if (skipTrailing)
                {
                    // the file's final newline ends the last line; it does not start another
                    skipTrailing = false;
                    continue;
                }

                if (++newlines == lines)
                {
                    return position + i + 1;
                }
            }
        }

        return 0;
    }

    /// <summary>The end of a log for a termination message: at most <paramref name="lines"/> lines and <paramref name="bytes"/> bytes.</summary>
    public static string Tail(string path, int lines, int bytes)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = Math.Max(TailOffset(stream, lines), stream.Length - bytes);
        stream.Position = start;
        var buffer = new byte[stream.Length - start];
        stream.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <summary>
    /// Copies the log at <paramref name="path"/> to <paramref name="output"/>: from the last <paramref name="tailLines"/>
    /// lines (all when null), at most <paramref name="limitBytes"/> bytes, and with <paramref name="follow"/> on until
    /// <paramref name="finished"/> completes and the file is drained.
    /// </summary>
    public static async Task CopyAsync(string path, Stream output, int? tailLines, long? limitBytes, bool follow, Task finished, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
        stream.Position = tailLines is { } lines ? TailOffset(stream, lines) : 0;
        var remaining = limitBytes ?? long.MaxValue;
        var buffer = new byte[16384];
        while (remaining > 0)
        {
            var done = finished.IsCompleted;
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                remaining -= read;
                continue;
            }

            if (!follow || done)
            {
                return;
            }

            await Task.WhenAny(finished, Task.Delay(FollowPollInterval, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
