using PostTrain.Operator.Hosting;

namespace PostTrain.Operator.Tests;

/// <summary>posttrain-operator's System.CommandLine surface: help, usage errors, the crds and completion subcommands.</summary>
public sealed class OperatorCommandLineTests
{
    [Fact]
    public async Task The_root_help_names_every_run_option_and_the_crds_command()
    {
        var (code, stdout, stderr, ran) = await InvokeAsync(_ => null, "--help");
        code.ShouldBe(0, stderr);
        ran.ShouldBeNull("help runs nothing");
        stdout.ShouldContain("posttrain-operator [command] [options]");
        foreach (var option in new OperatorOptions().All)
        {
            stdout.ShouldContain(option.Name);
            option.Description.ShouldNotBeNullOrWhiteSpace(option.Name);
        }

        stdout.ShouldContain("crds <DIR>");
        stdout.ShouldContain("completion <bash>");
        stdout.ShouldContain("$POSTTRAIN_WORKER_IMAGE");
    }

    [Fact]
    public async Task Crds_has_help_and_writes_the_crds()
    {
        var (code, stdout, _, _) = await InvokeAsync(_ => null, "crds", "--help");
        code.ShouldBe(0);
        stdout.ShouldContain("posttrain-operator crds <DIR>");

        var dir = Directory.CreateTempSubdirectory("posttrain-crds-");
        try
        {
            var (written, output, _, _) = await InvokeAsync(_ => null, "crds", dir.FullName);
            written.ShouldBe(0);
            output.ShouldContain("wrote ");
            Directory.GetFiles(dir.FullName, "*.yaml").Length.ShouldBe(3);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Completion_prints_a_bash_script_and_the_suggest_directive_completes_options()
    {
        var (code, stdout, _, ran) = await InvokeAsync(_ => null, "completion");
        code.ShouldBe(0);
        ran.ShouldBeNull("completion runs nothing");
        stdout.ShouldContain("complete -o default -F _posttrain_operator_complete posttrain-operator");
        stdout.ShouldContain("[suggest:${COMP_POINT}]");

        var line = "posttrain-operator --n";
        var (suggestCode, suggestions, _, suggestRan) = await InvokeAsync(_ => null, $"[suggest:{line.Length}]", line);
        suggestCode.ShouldBe(0);
        suggestRan.ShouldBeNull("a suggestion runs nothing");
        suggestions.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldContain("--namespace");
        suggestions.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldContain("--no-leader-elect");

        var commands = "posttrain-operator c";
        var (_, subcommands, _, _) = await InvokeAsync(_ => null, $"[suggest:{commands.Length}]", commands);
        subcommands.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldContain("completion");
        subcommands.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldContain("crds");
    }

    [Fact]
    public async Task The_run_mode_gets_the_configuration_of_its_flags_and_environment()
    {
        var env = new Dictionary<string, string> { ["POSTTRAIN_CONCURRENCY"] = "5" };
        var (code, _, stderr, ran) = await InvokeAsync(n => env.GetValueOrDefault(n), "--no-leader-elect", "--namespace", "a,b", "--server", "http://127.0.0.1:6443");
        code.ShouldBe(0, stderr);
        ran.ShouldNotBeNull();
        ran.LeaderElect.ShouldBeFalse();
        ran.Namespaces.ShouldBe(["a", "b"]);
        ran.Concurrency.ShouldBe(5);
        ran.Server.ShouldBe(new Uri("http://127.0.0.1:6443"));
    }

    [Theory]
    [InlineData(new[] { "--concurency", "2" }, "Unrecognized command or argument '--concurency'")]
    [InlineData(new[] { "--port", "eighty" }, "--port: expected an integer >= 0, got 'eighty'")]
    [InlineData(new[] { "--server", "not a url" }, "--server: 'not a url' is not an absolute URL")]
    [InlineData(new[] { "crds" }, "DIR")]
    public async Task A_bad_command_line_exits_2_and_says_what_is_wrong(string[] args, string message)
    {
        var (code, stdout, stderr, ran) = await InvokeAsync(_ => null, args);
        code.ShouldBe(OperatorCommandLine.UsageExitCode);
        ran.ShouldBeNull();
        stdout.ShouldBeEmpty();
        stderr.ShouldContain(message);
        stderr.ShouldContain("--help' for usage.");
    }

    [Fact]
    public async Task A_bad_environment_variable_exits_2_naming_it()
    {
        var (code, _, stderr, ran) = await InvokeAsync(n => n == "POSTTRAIN_PORT" ? "http" : null);
        code.ShouldBe(OperatorCommandLine.UsageExitCode);
        ran.ShouldBeNull();
        stderr.ShouldContain("POSTTRAIN_PORT: expected an integer >= 0, got 'http'");
    }

    private static async Task<(int Code, string Stdout, string Stderr, OperatorConfiguration? Ran)> InvokeAsync(Func<string, string?> environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        OperatorConfiguration? ran = null;
        var code = await OperatorCommandLine.InvokeAsync(
            args,
            environment,
            (config, _) =>
            {
                ran = config;
                return Task.FromResult(0);
            },
            stdout,
            stderr,
            CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString(), ran);
    }
}
