namespace PostTrain.Kube.Client;

/// <summary>
/// Reads the lines of a watch stream and skips blank ones, which the official decoder would take for a broken event
/// (proxies and keep-alives may send them; kube-apiserver itself does not).
/// </summary>
internal sealed class NonBlankLineReader(TextReader inner) : TextReader
{
    /// <inheritdoc />
    public override string? ReadLine()
    {
        string? line;
        do
        {
            line = inner.ReadLine();
        }
        while (line is { Length: 0 });
        return line;
    }

    /// <inheritdoc />
    public override async Task<string?> ReadLineAsync()
    {
        string? line;
        do
        {
            line = await inner.ReadLineAsync().ConfigureAwait(false);
        }
        while (line is { Length: 0 });
        return line;
    }

    /// <inheritdoc />
    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        string? line;
        do
        {
            line = await inner.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        while (line is { Length: 0 });
        return line;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
