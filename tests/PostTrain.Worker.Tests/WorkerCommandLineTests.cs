using System.CommandLine;
using PostTrain.Worker.Cli;

namespace PostTrain.Worker.Tests;

/// <summary>The worker's System.CommandLine surface: help on every command, usage errors, completion.</summary>
public sealed class WorkerCommandLineTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-cli-");

    public static TheoryData<string> Subcommands()
    {
        var data = new TheoryData<string>();
        foreach (var command in WorkerCommandLine.Create().Subcommands)
        {
            data.Add(command.Name);
        }

        return data;
    }

    [Fact]
    public async Task The_root_help_names_every_command_and_the_exit_codes()
    {
        var (code, stdout, stderr) = await InvokeAsync("--help");
        code.ShouldBe(0, stderr);
        foreach (var name in new[] { "run", "tokenize", "generate", "score", "reward", "sandbox-server", "chat-template", "dataset", "merge-adapter", "completion" })
        {
            stdout.ShouldContain(name);
        }

        stdout.ShouldContain("Exit codes: 0 succeeded, 1 a job failed, 2 bad command line or manifest");
    }

    [Theory]
    [MemberData(nameof(Subcommands))]
    public async Task Help_works_on_every_subcommand_and_names_its_options(string name)
    {
        var command = WorkerCommandLine.Create().Subcommands.Single(c => c.Name == name);
        foreach (var help in new[] { "--help", "-h" })
        {
            var (code, stdout, stderr) = await InvokeAsync(name, help);
            code.ShouldBe(0, stderr);
            stdout.ShouldContain($"posttrain-worker {name}");
            foreach (var option in command.Options)
            {
                stdout.ShouldContain(option.Name);
                if (option.Name != "--help")
                {
                    option.Description.ShouldNotBeNullOrWhiteSpace($"{name} {option.Name} has no description");
                }
            }
        }
    }

    [Fact]
    public void The_executable_answers_help_for_score_instead_of_asking_for_a_value()
    {
        // Before System.CommandLine, `score --help` answered "--help needs a value".
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, string.Empty, "score", "--help");
        code.ShouldBe(0, stderr);
        stdout.ShouldContain("--model <SRC>");
    }

    [Theory]
    [InlineData(new[] { "generate", "--model", "m", "--prompt", "p", "--temprature", "1" }, "Unrecognized command or argument '--temprature'", "posttrain-worker generate --help")]
    [InlineData(new[] { "score" }, "Option '--model' is required", "posttrain-worker score --help")]
    [InlineData(new[] { "run", "job.yaml", "--port", "http" }, "'http'", "posttrain-worker run --help")]
    [InlineData(new[] { "run" }, "FILE", "posttrain-worker run --help")]
    [InlineData(new[] { "frobnicate" }, "'frobnicate'", "posttrain-worker --help")]
    [InlineData(new[] { "dataset", "--source", "x", "--format", "csv" }, "--format: 'csv' is not one of messages, promptCompletion, gsm8k, mbpp, parquet", "posttrain-worker dataset --help")]
    public async Task A_bad_command_line_exits_with_the_usage_code_and_says_what_is_wrong(string[] args, string message, string help)
    {
        var (code, stdout, stderr) = await InvokeAsync(args);
        code.ShouldBe(WorkerExitCodes.InvalidInput);
        stdout.ShouldBeEmpty();
        stderr.ShouldContain(message);
        stderr.ShouldContain($"Run '{help}' for usage.");
    }

    [Fact]
    public async Task No_command_prints_the_usage_on_stderr_and_exits_with_the_usage_code()
    {
        var (code, stdout, stderr) = await InvokeAsync();
        code.ShouldBe(WorkerExitCodes.InvalidInput);
        stdout.ShouldBeEmpty();
        stderr.ShouldContain("posttrain-worker [command] [options]");
    }

    [Fact]
    public async Task A_usage_error_found_after_parsing_keeps_the_usage_code()
    {
        var (code, _, stderr) = await InvokeAsync("run", "job.yaml", "--port", "70000", "--no-server");
        code.ShouldBe(WorkerExitCodes.InvalidInput);
        stderr.ShouldContain("--port (or POSTTRAIN_PORT): 70000 is not a TCP port");
    }

    [Fact]
    public async Task Completion_prints_a_bash_script_that_asks_the_suggest_directive()
    {
        var (code, stdout, _) = await InvokeAsync("completion");
        code.ShouldBe(0);
        stdout.ShouldContain("complete -o default -F _posttrain_worker_complete posttrain-worker");
        stdout.ShouldContain("[suggest:${COMP_POINT}]");

        var line = "posttrain-worker dataset --format g";
        var (suggestCode, suggestions, _) = await InvokeAsync($"[suggest:{line.Length}]", line);
        suggestCode.ShouldBe(0);
        suggestions.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["gsm8k", "messages"]);

        var options = "posttrain-worker run --";
        var (_, runOptions, _) = await InvokeAsync($"[suggest:{options.Length}]", options);
        runOptions.ShouldContain("--nproc-per-node");
        runOptions.ShouldContain("--runs-dir");
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<(int Code, string Stdout, string Stderr)> InvokeAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await WorkerCommandLine.InvokeAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
