using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Config;

/// <summary>
/// Bearer tokens from an exec credential plugin: runs the command, reads the ExecCredential JSON it prints,
/// caches the token until <see cref="RefreshBeforeExpiry"/> before its expirationTimestamp, and re-runs it then
/// (or after a 401). Client certificates from plugins are not supported: the error says so.
/// </summary>
public sealed class ExecCredentialProvider : IAccessTokenProvider
{
    private readonly ExecConfig _config;
    private readonly string? _baseDirectory;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset? _expiry;

    /// <summary>Creates the provider.</summary>
    /// <param name="config">The plugin configuration.</param>
    /// <param name="baseDirectory">The kubeconfig's folder (relative commands resolve against it).</param>
    /// <param name="time">Clock, for tests.</param>
    public ExecCredentialProvider(ExecConfig config, string? baseDirectory = null, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(config.Command))
        {
            throw new KubeConfigException("exec credential plugin has no command; set users[].user.exec.command in the kubeconfig");
        }

        _config = config;
        _baseDirectory = baseDirectory;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How long before expiry the plugin is run again.</summary>
    public TimeSpan RefreshBeforeExpiry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the plugin may run.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times the plugin has run.</summary>
    public int Invocations { get; private set; }

    /// <inheritdoc />
    public async ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var fresh = _token is not null && (_expiry is null || _time.GetUtcNow() < _expiry.Value - RefreshBeforeExpiry);
            if (fresh && !forceRefresh)
            {
                return _token;
            }

            (_token, _expiry) = await RunAsync(cancellationToken).ConfigureAwait(false);
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(string Token, DateTimeOffset? Expiry)> RunAsync(CancellationToken cancellationToken)
    {
        var command = _config.Command!;
        if (_baseDirectory is not null && (command.StartsWith("./", StringComparison.Ordinal) || command.StartsWith("../", StringComparison.Ordinal)))
        {
            command = Path.GetFullPath(Path.Combine(_baseDirectory, command));
        }

        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in _config.Args ?? [])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var env in _config.Env ?? [])
        {
            start.Environment[env.Name] = env.Value;
        }

        var apiVersion = _config.ApiVersion ?? "client.authentication.k8s.io/v1";
        start.Environment["KUBERNETES_EXEC_INFO"] = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "ExecCredential",
            ["spec"] = new JsonObject { ["interactive"] = false },
        }.ToJsonString();

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new KubeConfigException($"exec credential plugin \"{command}\" did not start");
        }
        catch (Win32Exception e)
        {
            var hint = string.IsNullOrWhiteSpace(_config.InstallHint) ? "check users[].user.exec.command in the kubeconfig and that it is on PATH" : _config.InstallHint.Trim();
            throw new KubeConfigException($"exec credential plugin \"{command}\" could not be run ({e.Message}); {hint}", e);
        }

        using (process)
        {
            Invocations++;
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new KubeConfigException($"exec credential plugin \"{command}\" did not finish within {Timeout.TotalSeconds} s");
            }

            var output = await stdout.ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new KubeConfigException($"exec credential plugin \"{command}\" failed with exit code {process.ExitCode}: {errors.Trim()}");
            }

            return Parse(command, output, apiVersion);
        }
    }

    private static (string Token, DateTimeOffset? Expiry) Parse(string command, string output, string apiVersion)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(output);
        }
        catch (JsonException e)
        {
            throw new KubeConfigException($"exec credential plugin \"{command}\" printed invalid JSON ({e.Message}); it must print an ExecCredential object", e);
        }

        if ((string?)root?["kind"] != "ExecCredential")
        {
            throw new KubeConfigException($"exec credential plugin \"{command}\" printed kind \"{(string?)root?["kind"]}\", expected ExecCredential");
        }

        if ((string?)root["apiVersion"] is { } printed && printed != apiVersion)
        {
            throw new KubeConfigException($"exec credential plugin \"{command}\" printed apiVersion \"{printed}\" but the kubeconfig asks for \"{apiVersion}\"");
        }

        var status = root["status"] ?? throw new KubeConfigException($"exec credential plugin \"{command}\" printed no status");
        var token = (string?)status["token"];
        if (string.IsNullOrEmpty(token))
        {
            throw new KubeConfigException(status["clientCertificateData"] is not null
                ? $"exec credential plugin \"{command}\" returned a client certificate; only token credentials are supported here"
                : $"exec credential plugin \"{command}\" returned no status.token");
        }

        DateTimeOffset? expiry = (string?)status["expirationTimestamp"] is { } text
            ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)
            : null;
        return (token, expiry);
    }
}
