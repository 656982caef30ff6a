using System.Text;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// Drains one of the sandbox's output pipes to the end: keeps the first bytes for display, drops the rest, and picks out
/// the harness's result lines (those starting with the run's nonce) wherever they fall.
/// </summary>
internal sealed class SandboxOutputReader(Stream stream, string? nonce, int maxVisibleBytes, int maxLineBytes)
{
    private readonly MemoryStream _visible = new();
    private readonly List<string> _harnessLines = [];
    private readonly byte[]? _prefix = nonce is null ? null : Encoding.ASCII.GetBytes(nonce + " ");

    /// <summary>
    /// The result lines so far, without the nonce: a snapshot, since the watcher reads them (to kill the candidate groups
    /// the harness named) while this reader may still be adding lines.
    /// </summary>
    public IReadOnlyList<string> HarnessLines
    {
        get
        {
            lock (_harnessLines)
            {
                return [.. _harnessLines];
            }
        }
    }

    /// <summary>The kept output (harness lines removed).</summary>
    public string Visible => Encoding.UTF8.GetString(_visible.GetBuffer(), 0, (int)_visible.Length);

    public async Task RunAsync()
    {
        var buffer = new byte[16 * 1024];
        var line = new MemoryStream();
        var lineOverflow = false;
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                Append(line, buffer.AsSpan(start, i - start + 1), ref lineOverflow);
                EndLine(line, lineOverflow);
                line.SetLength(0);
                lineOverflow = false;
                start = i + 1;
            }

            Append(line, buffer.AsSpan(start, read - start), ref lineOverflow);
        }

        EndLine(line, lineOverflow);
    }

    private void Append(MemoryStream line, ReadOnlySpan<byte> bytes, ref bool overflow)
    {
        var room = maxLineBytes - (int)line.Length;
        if (bytes.Length > room)
        {
            // Long lines are never harness lines: pass them to the display and stop buffering.
            KeepVisible(line.GetBuffer().AsSpan(0, (int)line.Length));
            KeepVisible(bytes);
            line.SetLength(0);
            overflow = true;
            return;
        }

        if (overflow)
        {
            KeepVisible(bytes);
            return;
        }

        line.Write(bytes);
    }

    private void EndLine(MemoryStream line, bool overflow)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (!overflow && _prefix is not null && bytes.StartsWith(_prefix))
        {
            var text = Encoding.UTF8.GetString(bytes[_prefix.Length..]).TrimEnd('\n', '\r');
            lock (_harnessLines)
            {
                _harnessLines.Add(text);
            }

            return;
        }

        KeepVisible(bytes);
    }

    private void KeepVisible(ReadOnlySpan<byte> bytes)
    {
        var room = maxVisibleBytes - (int)_visible.Length;
        if (room > 0)
        {
            _visible.Write(bytes[..Math.Min(room, bytes.Length)]);
        }
    }
}
