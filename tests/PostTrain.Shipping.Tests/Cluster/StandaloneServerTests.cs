using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PostTrain.Shipping.Tests.Helm;
using Shouldly;
using Xunit;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// The standalone test API server, started as docs/kube.md says, answers the README's install, job and uninstall
/// commands from the real helm and kubectl (no operator runs here, so jobs stay where they start).
/// </summary>
public sealed class StandaloneServerTests
{
    [Fact]
    public async Task The_standalone_server_answers_the_readme_commands()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Kube.Testing", "bin", configuration, "net10.0", "PostTrain.Kube.Testing.dll");
        var home = Directory.CreateTempSubdirectory("posttrain-standalone-").FullName;
        var kubeconfig = Path.Combine(home, "kubeconfig");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--kubeconfig", kubeconfig })
        {
            start.ArgumentList.Add(a);
        }

        using var server = Process.Start(start)!;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            ready.ShouldNotBeNull();
            ready.ShouldContain($"listening on http://127.0.0.1:{port}/");
            var env = new Dictionary<string, string?>
            {
                ["KUBECONFIG"] = kubeconfig,
                ["HOME"] = home,
                ["HELM_CACHE_HOME"] = Path.Combine(home, "hc"),
                ["HELM_CONFIG_HOME"] = Path.Combine(home, "hf"),
                ["HELM_DATA_HOME"] = Path.Combine(home, "hd"),
            };
            Task<ToolResult> Run(string[] command) => ToolProcess.RunAsync(command[0] == "helm" ? HelmRunner.Executable : TestCluster.KubectlExecutable, command[1..], TimeSpan.FromSeconds(90), env);

            (await Run(["kubectl", "apply", "-f", Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Shipping.Tests", "Cluster", "prometheus-operator-crds.yaml")])).EnsureSuccess("monitor CRDs");
            (await Run(["kubectl", "create", "namespace", "team-a"])).EnsureSuccess("create namespace");
            foreach (var command in ReadmeCommands.Under("Install"))
            {
                (await Run([.. command.Select(a => a.Replace("REGISTRY/", "registry.example.com/", StringComparison.Ordinal))])).EnsureSuccess(string.Join(' ', command));
            }

            var first = ReadmeCommands.Under("First job");
            foreach (var command in first.Where(c => !c.Contains("wait") && !c.Contains("-w")))
            {
                (await Run(command)).EnsureSuccess(string.Join(' ', command));
            }

            // Nobody runs the loader's pod here: kubectl wait times out as it would on a cluster without nodes.
            var wait = first.Single(c => c.Contains("wait"));
            var timedOut = await Run([.. wait.Select(a => a.StartsWith("--timeout=", StringComparison.Ordinal) ? "--timeout=1s" : a)]);
            timedOut.ExitCode.ShouldNotBe(0);
            timedOut.StandardError.ShouldContain("timed out waiting for the condition");

            foreach (var command in ReadmeCommands.Under("Upgrade and uninstall"))
            {
                (await Run(command)).EnsureSuccess(string.Join(' ', command));
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(home, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
