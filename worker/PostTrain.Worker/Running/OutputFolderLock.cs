using System.Globalization;
using System.Text;

namespace PostTrain.Worker.Running;

/// <summary>
/// One writer per output folder: the writing process holds an exclusive lock on <c>.posttrain-writer.lock</c> there
/// (flock on Linux, which NFSv4 and CephFS honour across machines) for as long as its job runs. A second worker
/// pointed at the same folder waits a little (a replaced pod's predecessor may still be exiting), then refuses with
/// the holder's host, pid and start time instead of mixing two runs' checkpoints.
/// </summary>
public sealed class OutputFolderLock : IDisposable
{
    /// <summary>The lock file's name.</summary>
    public const string FileName = ".posttrain-writer.lock";

    /// <summary>Who holds the lock, in a file of its own (a flocked file cannot be read by others).</summary>
    public const string HolderFileName = ".posttrain-writer";

    private readonly FileStream _stream;

    private OutputFolderLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock on <paramref name="outputDirectory"/> (created if missing), waiting up to <paramref name="wait"/>.</summary>
    /// <exception cref="JobInputException">Another process holds it.</exception>
    public static async Task<OutputFolderLock> AcquireAsync(string outputDirectory, string job, TimeSpan wait, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var path = Path.Combine(outputDirectory, FileName);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var holder = string.Create(CultureInfo.InvariantCulture, $"{job} on {Environment.MachineName}, pid {Environment.ProcessId}, since {DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}");
                await File.WriteAllTextAsync(Path.Combine(outputDirectory, HolderFileName), holder + "\n", cancellationToken).ConfigureAwait(false);
                return new OutputFolderLock(stream);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                throw new JobInputException($"output {outputDirectory} is being written by another worker ({Holder(outputDirectory)}); two jobs or runs must not share an output folder: give each its own output.uri");
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static string Holder(string outputDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(outputDirectory, HolderFileName), Encoding.UTF8).Trim() is { Length: > 0 } line ? line : "holder unknown";
        }
        catch (IOException)
        {
            return "holder unknown";
        }
    }
}
