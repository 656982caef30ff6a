using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// The wire format between the worker (<see cref="RemoteSandbox"/>) and the sandbox server (<see cref="SandboxServer"/>)
/// over a Unix socket: one request and one reply per connection, each a 4-byte big-endian length and UTF-8 JSON.
/// Requests: <c>{"op": "hello"}</c> → <c>{"isolation": "..."}</c>; <c>{"op": "run", "code", "tests", "setup",
/// "limits": {...}}</c> → <c>{"result": {...}}</c>; any failure → <c>{"error": "..."}</c>. Written with JsonNode (no
/// reflection: the worker is published trimmed).
/// </summary>
internal static class SandboxProtocol
{
    /// <summary>The largest frame either side accepts.</summary>
    public const int MaxFrameBytes = 64 << 20;

    /// <summary>Writes one frame.</summary>
    public static async Task WriteAsync(Stream stream, JsonObject message, CancellationToken cancellationToken)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one frame; null at end of stream.</summary>
    public static async Task<JsonObject?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await ReadExactAsync(stream, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > MaxFrameBytes)
        {
            throw new InvalidDataException($"sandbox protocol: a frame of {length} bytes");
        }

        var body = new byte[length];
        if (!await ReadExactAsync(stream, body, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException("sandbox protocol: the connection closed inside a frame");
        }

        return JsonNode.Parse(body) as JsonObject ?? throw new InvalidDataException("sandbox protocol: a frame that is not a JSON object");
    }

    /// <summary>The run request.</summary>
    public static JsonObject Request(string code, IReadOnlyList<string> tests, string? setupCode, PythonSandboxOptions limits) => new()
    {
        ["op"] = "run",
        ["code"] = code,
        ["tests"] = new JsonArray([.. tests.Select(t => (JsonNode?)JsonValue.Create(t))]),
        ["setup"] = setupCode,
        ["limits"] = new JsonObject
        {
            ["wallMs"] = (long)limits.WallTimeout.TotalMilliseconds,
            ["perTestMs"] = limits.PerTestTimeout is { } perTest ? (long)perTest.TotalMilliseconds : null,
            ["cpuSeconds"] = limits.CpuSeconds,
            ["memoryBytes"] = limits.MemoryBytes,
            ["maxFileBytes"] = limits.MaxFileBytes,
            ["maxProcesses"] = limits.MaxProcesses,
            ["maxOpenFiles"] = limits.MaxOpenFiles,
            ["scratchBytes"] = limits.ScratchBytes,
            ["maxOutputBytes"] = limits.MaxOutputBytes,
            ["maxValueBytes"] = limits.MaxValueBytes,
        },
    };

    /// <summary>The limits a request asks for, none above <paramref name="ceiling"/>'s.</summary>
    public static PythonSandboxOptions Limits(JsonObject request, PythonSandboxOptions ceiling)
    {
        var l = request["limits"] as JsonObject ?? [];
        long Get(string name, long max) => l[name] is JsonValue v && v.TryGetValue<long>(out var x) && x > 0 ? Math.Min(x, max) : max;
        var perTest = l["perTestMs"] is JsonValue p && p.TryGetValue<long>(out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        return ceiling with
        {
            WallTimeout = TimeSpan.FromMilliseconds(Get("wallMs", (long)ceiling.WallTimeout.TotalMilliseconds)),
            PerTestTimeout = perTest is { } t && ceiling.PerTestTimeout is { } c && t > c ? c : perTest,
            CpuSeconds = (int)Get("cpuSeconds", ceiling.CpuSeconds),
            MemoryBytes = Get("memoryBytes", ceiling.MemoryBytes),
            MaxFileBytes = Get("maxFileBytes", ceiling.MaxFileBytes),
            MaxProcesses = (int)Get("maxProcesses", ceiling.MaxProcesses),
            MaxOpenFiles = (int)Get("maxOpenFiles", ceiling.MaxOpenFiles),
            ScratchBytes = Get("scratchBytes", ceiling.ScratchBytes),
            MaxOutputBytes = (int)Get("maxOutputBytes", ceiling.MaxOutputBytes),
            MaxValueBytes = (int)Get("maxValueBytes", ceiling.MaxValueBytes),
        };
    }

    /// <summary>A result as JSON.</summary>
    public static JsonObject Result(SandboxResult r) => new()
    {
        ["testPassed"] = new JsonArray([.. r.TestPassed.Select(p => (JsonNode?)JsonValue.Create(p))]),
        ["testErrors"] = new JsonArray([.. r.TestErrors.Select(e => (JsonNode?)JsonValue.Create(e))]),
        ["programError"] = r.ProgramError,
        ["sandboxError"] = r.SandboxError,
        ["seccompError"] = r.SeccompError,
        ["timedOut"] = r.TimedOut,
        ["completed"] = r.Completed,
        ["exitCode"] = r.ExitCode,
        ["output"] = r.Output,
    };

    /// <summary>A result from JSON.</summary>
    public static SandboxResult Result(JsonObject o, int testCount)
    {
        var passed = (o["testPassed"] as JsonArray ?? []).Select(n => n?.GetValue<bool>() == true).ToList();
        var errors = (o["testErrors"] as JsonArray ?? []).Select(n => n?.GetValue<string>()).ToList();
        if (passed.Count != testCount || errors.Count != testCount)
        {
            throw new InvalidDataException($"sandbox protocol: a result for {passed.Count} tests, expected {testCount}");
        }

        return new SandboxResult
        {
            TestPassed = passed,
            TestErrors = errors,
            ProgramError = o["programError"]?.GetValue<string>(),
            SandboxError = o["sandboxError"]?.GetValue<string>(),
            SeccompError = o["seccompError"]?.GetValue<string>(),
            TimedOut = o["timedOut"]?.GetValue<bool>() == true,
            Completed = o["completed"]?.GetValue<bool>() == true,
            ExitCode = o["exitCode"]?.GetValue<int>() ?? -1,
            Output = o["output"]?.GetValue<string>() ?? string.Empty,
        };
    }

    private static async Task<bool> ReadExactAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new InvalidDataException("sandbox protocol: the connection closed inside a frame");
            }

            read += n;
        }

        return true;
    }
}
