using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Trainer.Tests.Rewards;

/// <summary>What legitimate solutions get from the code sandbox (attacks are in <see cref="CodeSandboxAttackTests"/>).</summary>
public sealed class CodeSandboxTests
{
    private static readonly string[] AddTests = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(2, 2) == 5"];

    private static CodeReward Reward(bool allOrNothing = false, double wallSeconds = 5) => new(new CodeRewardOptions
    {
        AllOrNothing = allOrNothing,
        Sandbox = new PythonSandboxOptions { WallTimeout = TimeSpan.FromSeconds(wallSeconds), PerTestTimeout = null, CpuSeconds = 5, MemoryBytes = 512L << 20 },
    });

    private static RewardInput Input(string completion, IReadOnlyList<string> tests, string? setup = null) =>
        new("Write add(a, b).", completion, new Example { Id = "t", Prompt = "Write add(a, b).", Tests = tests, TestSetupCode = setup });

    [Fact]
    public void The_sandbox_isolates_with_bubblewrap_where_it_is_installed()
    {
        var sandbox = new PythonSandbox();
        if (SandboxHost.Find("bwrap") is not null && Environment.GetEnvironmentVariable(PythonSandboxOptions.IsolationVariable) is null or "" or "auto")
        {
            sandbox.Mode.ShouldBe(SandboxIsolation.Bubblewrap, sandbox.Isolation);
            sandbox.Isolation.ShouldStartWith("bubblewrap");
            sandbox.Isolation.ShouldContain("seccomp filter (no sockets");
        }
        else
        {
            sandbox.Mode.ShouldNotBe(SandboxIsolation.Bubblewrap);
        }
    }

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

        var withSetup = await reward.ScoreAsync(Input("def add(a, b):\n    return a + b + OFFSET", ["assert add(1, 2) == 13", "assert OFFSET == 10"], setup: "OFFSET = 10"), CancellationToken.None);
        withSetup.Score.ShouldBe(1);
    }

    [Fact]
    public async Task Values_of_the_usual_kinds_compare_as_python_compares_them()
    {
        const string program = """
            import collections, fractions, math
            from typing import NamedTuple
            class Point(NamedTuple):
                x: int
                y: int
            def f(kind):
                return {
                    "float": 0.1 + 0.2, "int": 7, "bool": True, "str": "héllo", "bytes": b"\x00\xff", "none": None,
                    "list": [1, [2, 3]], "tuple": (1, "a"), "set": {3, 1}, "dict": {"a": [1], 2: (3,)},
                    "counter": collections.Counter("abca"), "named": Point(1, 2), "big": 2 ** 200, "nan": float("nan"),
                    "fraction": fractions.Fraction(1, 3), "gen": (i * i for i in range(4)), "range": range(3),
                }[kind]
            class Stack:
                def __init__(self):
                    self.items = []
                def push(self, x):
                    self.items.append(x)
                    return self
                def size(self):
                    return len(self.items)
            """;
        string[] tests =
        [
            "assert math.isclose(f('float'), 0.3)",
            "assert f('int') == 7.0 and f('bool') == 1 and f('none') is None",
            "assert f('str') == 'héllo' and f('bytes') == bytes([0, 255])",
            "assert f('list') == [1, [2, 3]] and f('tuple') == (1, 'a') and f('set') == {1, 3}",
            "assert f('dict') == {'a': [1], 2: (3,)} and f('counter') == {'a': 2, 'b': 1, 'c': 1}",
            "assert f('named') == (1, 2) and f('big') == 2 ** 200 and f('nan') != f('nan')",
            "from fractions import Fraction\nassert f('fraction') == Fraction(1, 3)",
            "assert list(f('gen')) == [0, 1, 4, 9] and list(f('range')) == [0, 1, 2]",
            "s = Stack()\nassert s.push(1).push(2).size() == 2",
            "try:\n    f('missing')\nexcept KeyError:\n    pass\nelse:\n    raise AssertionError('no KeyError')",
        ];
        var result = await new PythonSandbox().RunAsync("import math\n" + program, tests, null, CancellationToken.None);

        result.TestErrors.ShouldAllBe(e => e == null, result.Output);
        result.PassedCount.ShouldBe(tests.Length, result.Output);
    }

    [Fact]
    public async Task An_infinite_loop_is_killed_at_the_wall_clock_limit()
    {
        using var reward = Reward(wallSeconds: 1.5);
        var result = await reward.ScoreAsync(Input("def add(a, b):\n    while True:\n        pass", AddTests[..1]), CancellationToken.None);

        result.Score.ShouldBe(0);
        result.Details!.ShouldContain("killed after 1.5 s");
    }

    [Fact]
    public async Task A_test_that_loops_fails_alone_and_the_other_tests_still_count()
    {
        using var reward = new CodeReward(new CodeRewardOptions
        {
            Sandbox = new PythonSandboxOptions { PerTestTimeout = TimeSpan.FromMilliseconds(500), WallTimeout = TimeSpan.FromSeconds(5) },
        });
        var tests = new[] { "assert add(1, 2) == 3", "while True:\n    pass", "assert add(2, 2) == 4", "assert spin() == 1", "assert add(3, 3) == 6" };

        var result = await reward.ScoreAsync(Input("def add(a, b):\n    return a + b\ndef spin():\n    while True:\n        pass", tests), CancellationToken.None);

        result.Score.ShouldBe(3.0 / 5.0, 1e-12);
        result.Details.ShouldBe("3/5 tests passed; first failure: TimeoutError");
    }

    [Fact]
    public async Task The_program_sees_an_empty_environment_an_empty_stdin_and_a_fresh_scratch_folder()
    {
        Environment.SetEnvironmentVariable("HF_TOKEN", "hf_secret_for_test");
        try
        {
            var sandbox = new PythonSandbox();
            const string program = "import os, sys\nENV = dict(os.environ)\nSTDIN = sys.stdin.read()\nFILES = os.listdir('.')\nopen('mine.txt', 'w').write('x')\nUID = os.getuid()";
            var tests = new[] { "assert 'HF_TOKEN' not in ENV and set(ENV) <= {'HOME', 'LANG', 'PATH', 'PYTHONIOENCODING', 'TMPDIR', 'PWD'}", "assert STDIN == ''", "assert FILES == []" };

            var first = await sandbox.RunAsync(program, tests, null, CancellationToken.None);
            var second = await sandbox.RunAsync(program, tests, null, CancellationToken.None);

            first.PassedCount.ShouldBe(3, string.Join(",", first.TestErrors) + first.Output);
            second.PassedCount.ShouldBe(3, "the second run must not see the first one's file");
            var uid = await sandbox.RunAsync(program, [sandbox.Mode == SandboxIsolation.None && !SandboxHost.Current.IsRoot ? $"assert UID == {SandboxHost.Current.Uid}" : "assert UID == 65534"], null, CancellationToken.None);
            uid.PassedCount.ShouldBe(1, uid.Output);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_TOKEN", null);
        }
    }

    [Fact]
    public async Task Output_is_kept_truncated_and_a_flood_does_not_stop_the_tests()
    {
        var sandbox = new PythonSandbox(new PythonSandboxOptions { MaxOutputBytes = 1000 });
        var result = await sandbox.RunAsync("print('hello from the program')\nprint('y' * 1000000)\ndef add(a, b):\n    return a + b", ["assert add(1, 2) == 3"], null, CancellationToken.None);

        result.PassedCount.ShouldBe(1);
        result.Completed.ShouldBeTrue();
        result.Output.ShouldStartWith("hello from the program");
        result.Output.Length.ShouldBeLessThanOrEqualTo(1000);
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
