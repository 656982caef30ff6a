using System.Diagnostics;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

public sealed class CodeSandboxTests : IDisposable
{
    private static readonly string[] AddTests = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(2, 2) == 5"];
    private readonly string _outside = Directory.CreateTempSubdirectory("posttrain-outside-").FullName;

    public void Dispose() => Directory.Delete(_outside, recursive: true);

    private static CodeReward Reward(bool allOrNothing = false, double wallSeconds = 5) => new(new CodeRewardOptions
    {
        AllOrNothing = allOrNothing,
        Sandbox = new PythonSandboxOptions { WallTimeout = TimeSpan.FromSeconds(wallSeconds), PerTestTimeout = null, CpuSeconds = 5, MemoryBytes = 512L << 20 },
    });

    private static RewardInput Input(string completion, IReadOnlyList<string> tests, string? setup = null) =>
        new("Write add(a, b).", completion, new Example { Id = "t", Prompt = "Write add(a, b).", Tests = tests, TestSetupCode = setup });

    [Fact]
    public async Task Scores_the_fraction_of_tests_passed_or_all_or_nothing()
    {
        const string completion = "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nand a demo:\n```python\nprint(add(1, 2))\n```";
        using var fraction = Reward();
        using var strict = Reward(allOrNothing: true);

        var partial = await fraction.ScoreAsync(Input(completion, AddTests), CancellationToken.None);
        partial.Score.ShouldBe(2.0 / 3.0, 1e-12);
        partial.Details.ShouldBe("2/3 tests passed; first failure: AssertionError");
        (await strict.ScoreAsync(Input(completion, AddTests), CancellationToken.None)).Score.ShouldBe(0);
        (await strict.ScoreAsync(Input(completion, AddTests[..2]), CancellationToken.None)).Score.ShouldBe(1);
    }

    [Fact]
    public async Task Many_completions_scored_at_once_each_get_their_own_result()
    {
        using var reward = new CodeReward(new CodeRewardOptions { MaxConcurrency = 4 });
        var completions = Enumerable.Range(0, 8).Select(i => $"def add(a, b):\n    return a + b + {i % 2}").ToList();

        var results = await Task.WhenAll(completions.Select(c => reward.ScoreAsync(Input(c, AddTests[..2]), CancellationToken.None).AsTask()));

        results.Select(r => r.Score).ShouldBe([1, 0, 1, 0, 1, 0, 1, 0]);
    }

    [Fact]
    public async Task A_program_that_does_not_run_scores_zero_and_setup_code_runs_first()
    {
        using var reward = Reward();
        var broken = await reward.ScoreAsync(Input("def add(a, b) return", AddTests), CancellationToken.None);
        broken.Score.ShouldBe(0);
        broken.Details!.ShouldContain("SyntaxError");

        var withSetup = await reward.ScoreAsync(Input("def add(a, b):\n    return a + b + OFFSET", ["assert add(1, 2) == 13"], setup: "OFFSET = 10"), CancellationToken.None);
        withSetup.Score.ShouldBe(1);
    }

    [Fact]
    public async Task An_infinite_loop_is_killed_at_the_wall_clock_limit()
    {
        using var reward = Reward(wallSeconds: 1.5);
        var watch = Stopwatch.StartNew();
        var result = await reward.ScoreAsync(Input("def add(a, b):\n    while True:\n        pass", AddTests[..1]), CancellationToken.None);
        watch.Stop();

        result.Score.ShouldBe(0);
        result.Details!.ShouldContain("killed after 1.5 s");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_test_that_loops_fails_alone_and_the_other_tests_still_count()
    {
        using var reward = new CodeReward(new CodeRewardOptions
        {
            Sandbox = new PythonSandboxOptions { PerTestTimeout = TimeSpan.FromMilliseconds(500), WallTimeout = TimeSpan.FromSeconds(5) },
        });
        var tests = new[] { "assert add(1, 2) == 3", "while True:\n    pass", "assert add(2, 2) == 4" };

        var result = await reward.ScoreAsync(Input("def add(a, b):\n    return a + b", tests), CancellationToken.None);

        result.Score.ShouldBe(2.0 / 3.0, 1e-12);
        result.Details.ShouldBe("2/3 tests passed; first failure: TimeoutError");
    }

    [Fact]
    public async Task A_memory_bomb_fails_within_the_address_space_limit()
    {
        using var reward = Reward();
        var result = await reward.ScoreAsync(Input("x = bytearray(4 * 1024 * 1024 * 1024)\ndef add(a, b):\n    return a + b", AddTests[..1]), CancellationToken.None);
        result.Score.ShouldBe(0);
        result.Details!.ShouldContain("MemoryError");
    }

    [Fact]
    public async Task A_fork_bomb_and_subprocesses_are_refused()
    {
        using var reward = Reward(wallSeconds: 3);
        const string bomb = "import os\nwhile True:\n    os.fork()\n";
        var result = await reward.ScoreAsync(Input(bomb, ["assert True"]), CancellationToken.None);
        result.Score.ShouldBe(0);
        result.Details!.ShouldContain("PermissionError");

        var viaSubprocess = await reward.ScoreAsync(Input("import subprocess\nsubprocess.run(['true'])", ["assert True"]), CancellationToken.None);
        viaSubprocess.Score.ShouldBe(0);
        viaSubprocess.Details!.ShouldContain("PermissionError");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // the audit hook alone, as when the worker is not root
    public async Task Writes_outside_the_working_directory_do_not_happen_and_inside_they_do(bool dropPrivileges)
    {
        using var reward = new CodeReward(new CodeRewardOptions
        {
            Sandbox = new PythonSandboxOptions { UnprivilegedUid = dropPrivileges ? 65534 : null, IsolateNetwork = dropPrivileges },
        });
        var target = Path.Combine(_outside, "pwned.txt");
        var write = $"open({target!.ToPythonString()}, 'w').write('x')";
        var result = await reward.ScoreAsync(Input(write, ["assert True"]), CancellationToken.None);
        result.Score.ShouldBe(0);
        File.Exists(target).ShouldBeFalse();

        var viaOs = $"import os\nfd = os.open({target.ToPythonString()}, os.O_WRONLY | os.O_CREAT)\nos.write(fd, b'x')";
        (await reward.ScoreAsync(Input(viaOs, ["assert True"]), CancellationToken.None)).Score.ShouldBe(0);
        File.Exists(target).ShouldBeFalse();

        var viaSymlink = $"import os\nos.symlink({_outside.ToPythonString()}, 'link')\nopen('link/pwned.txt', 'w').write('x')";
        (await reward.ScoreAsync(Input(viaSymlink, ["assert True"]), CancellationToken.None)).Score.ShouldBe(0);
        File.Exists(target).ShouldBeFalse();

        var viaRename = $"open('f', 'w').write('x')\nimport os\nos.rename('f', {target.ToPythonString()})";
        (await reward.ScoreAsync(Input(viaRename, ["assert True"]), CancellationToken.None)).Score.ShouldBe(0);
        File.Exists(target).ShouldBeFalse();

        var inside = "open('scratch.txt', 'w').write('ok')\nimport os\nos.mkdir('d')\nopen('d/f', 'w').write('x')";
        (await reward.ScoreAsync(Input(inside, ["assert open('scratch.txt').read() == 'ok'"]), CancellationToken.None)).Score.ShouldBe(1);
    }

    [Fact]
    public async Task The_environment_is_scrubbed_stdin_is_empty_and_the_working_directory_is_fresh()
    {
        Environment.SetEnvironmentVariable("HF_TOKEN", "hf_secret_for_test");
        try
        {
            using var reward = Reward();
            var tests = new[]
            {
                "import os; assert 'HF_TOKEN' not in os.environ",
                "import sys; assert sys.stdin.read() == ''",
                "import os; assert os.listdir('.') == []",
                "import os; assert os.getcwd().split('/')[-1].startswith('posttrain-sandbox-')",
            };
            var result = await reward.ScoreAsync(Input("pass", tests), CancellationToken.None);
            result.Details.ShouldBe("4/4 tests passed");
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_TOKEN", null);
        }
    }

    [Fact]
    public async Task Without_the_audit_hook_forked_children_are_killed_with_the_process_group()
    {
        var sandbox = new PythonSandbox(new PythonSandboxOptions { InstallAuditHook = false, WallTimeout = TimeSpan.FromSeconds(2) });
        const string forker = "import os, sys, time\nfor _ in range(3):\n    os.fork()\nprint('pid', os.getpid(), flush=True)\ntime.sleep(60)";

        var result = await sandbox.RunAsync(forker, ["assert True"], null, CancellationToken.None);

        result.TimedOut.ShouldBeTrue();
        var pids = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("pid ", StringComparison.Ordinal)).Select(l => int.Parse(l[4..])).ToList();
        pids.Count.ShouldBe(8);
        // The kernel reaps the killed group asynchronously: poll for up to 10 s rather than guess a delay.
        for (var waited = 0; waited < 10_000 && pids.Any(IsAlive); waited += 100)
        {
            await Task.Delay(100);
        }

        pids.ShouldAllBe(pid => !IsAlive(pid));
    }

    private static bool IsAlive(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return false;
        }

        try
        {
            // A zombie waiting for its reaper is dead for our purposes.
            return !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Sockets_are_refused_and_root_is_dropped_to_nobody_where_the_worker_is_root()
    {
        var sandbox = new PythonSandbox();
        var socket = await sandbox.RunAsync("import socket\nsocket.socket()", ["assert True"], null, CancellationToken.None);
        socket.ProgramError.ShouldBe("PermissionError");

        var expectedUid = sandbox.DropsPrivileges ? 65534 : (int)Rewards_Native.EffectiveUid();
        var uid = await sandbox.RunAsync("import os", [$"assert os.getuid() == {expectedUid}"], null, CancellationToken.None);
        uid.PassedCount.ShouldBe(1);
        if (sandbox.NetworkIsolated)
        {
            var interfaces = await sandbox.RunAsync("names = open('/proc/net/dev').read()", ["assert 'eth0' not in names and 'lo' in names"], null, CancellationToken.None);
            interfaces.PassedCount.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Printed_fake_results_and_a_clean_exit_do_not_count_as_passes()
    {
        using var reward = Reward();
        var cheat = "import sys, os\nfor i in range(3):\n    print('PASS', i)\nprint('DONE')\nsys.stdout.flush()\nos._exit(0)";
        var result = await reward.ScoreAsync(Input(cheat, AddTests), CancellationToken.None);
        result.Score.ShouldBe(0);
    }

    [Fact]
    public async Task Output_is_truncated_and_the_working_directory_is_deleted()
    {
        var sandbox = new PythonSandbox(new PythonSandboxOptions { MaxOutputBytes = 1000 });
        var result = await sandbox.RunAsync("print('y' * 1000000)\nimport os\nprint(os.getcwd())", ["assert True"], null, CancellationToken.None);
        result.PassedCount.ShouldBe(1);
        result.Completed.ShouldBeTrue();
        result.Stdout.Length.ShouldBeLessThanOrEqualTo(1000);
        var cwd = (await sandbox.RunAsync("import os\nprint(os.getcwd())", ["assert True"], null, CancellationToken.None)).Stdout.Trim();
        cwd.ShouldContain("posttrain-sandbox-");
        Directory.Exists(cwd).ShouldBeFalse();
    }

    [Theory]
    [InlineData("```python\nx = 1\n```", "x = 1\n")]
    [InlineData("text\n```\ny = 2\n```\n```py\nz = 3\n```", "z = 3\n")]
    [InlineData("```\ny = 2\n```", "y = 2\n")]
    [InlineData("```python\ncut off", "cut off")]
    [InlineData("def f(): pass", "def f(): pass")]
    public void Code_is_taken_from_the_first_python_fence(string completion, string code)
    {
        CodeExtraction.Extract(completion).ShouldBe(code);
    }
}

internal static class Rewards_Native
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    public static extern uint EffectiveUid();
}

internal static class PythonStringExtensions
{
    public static string ToPythonString(this string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
