using System.CommandLine;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>The standalone test API server's command line: its options, help, bad values and the kubeconfig it writes.</summary>
public sealed class StandaloneCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("standalone-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_options_reach_the_server_and_default_to_port_8001()
    {
        var (code, _, _, served) = await InvokeAsync("--port", "0", "--kubeconfig", "/tmp/k");
        code.ShouldBe(0);
        served.ShouldBe((0, "/tmp/k"));

        (await InvokeAsync()).Served.ShouldBe((8001, null));
    }

    [Fact]
    public async Task Help_names_the_options_and_serves_nothing()
    {
        var (code, stdout, _, served) = await InvokeAsync("--help");
        code.ShouldBe(0);
        served.ShouldBeNull();
        stdout.ShouldContain("--port");
        stdout.ShouldContain("--kubeconfig");
    }

    [Theory]
    [InlineData(new[] { "--port", "70000" }, "--port: 70000 is not a TCP port")]
    [InlineData(new[] { "--port", "http" }, "http")]
    [InlineData(new[] { "--bogus" }, "Unrecognized command or argument '--bogus'")]
    public async Task A_bad_command_line_fails_and_says_what_is_wrong(string[] args, string message)
    {
        var (code, _, stderr, served) = await InvokeAsync(args);
        code.ShouldNotBe(0);
        served.ShouldBeNull();
        stderr.ShouldContain(message);
    }

    [Fact]
    public void The_kubeconfig_points_the_official_loader_at_the_server()
    {
        var path = Path.Combine(_dir.Path, "kubeconfig");
        File.WriteAllText(path, StandaloneCommand.Kubeconfig(new Uri("http://127.0.0.1:8123/")));
        var config = KubeClientConfig.FromKubeconfig(path);
        config.Host.ShouldBe("http://127.0.0.1:8123");
        config.AccessToken.ShouldBe("any");
    }

    private static async Task<(int Code, string Stdout, string Stderr, (int Port, string? Kubeconfig)? Served)> InvokeAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        (int, string?)? served = null;
        var root = StandaloneCommand.Create((port, kubeconfig, _) =>
        {
            served = (port, kubeconfig);
            return Task.FromResult(0);
        });
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (code, stdout.ToString(), stderr.ToString(), served);
    }
}
