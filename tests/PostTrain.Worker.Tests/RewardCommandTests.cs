using System.Text.Json.Nodes;

namespace PostTrain.Worker.Tests;

/// <summary>
/// <c>posttrain-worker reward --spec FILE</c> and <c>sandbox-server</c>, run as the real executable: the same rewards,
/// sandbox and isolation as training, and issue 20's attacks replayed from the command line.
/// </summary>
public sealed class RewardCommandTests : IDisposable
{
    private const string Secret = "hf_reward_command_secret_93ab";
    private static readonly JsonArray AddTests = ["assert add(1, 2) == 3", "assert add(2, 5) == 7"];
    private readonly TempDirectory _dir = new("posttrain-reward-");

    [Fact]
    public void Scores_each_line_with_the_composite_parts_and_attacks_score_zero()
    {
        var spec = Write("rewards.yaml", """
            - type: code
              timeoutSeconds: 8
            - type: regex
              pattern: "```python"
              weight: 0.5
            """);
        var lines = string.Join('\n',
            Line("```python\ndef add(a, b):\n    return a + b\n```"),
            Line("class E:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return E()"),
            Line("import sys\nsys._getframe(1).f_locals['tests'][:] = ['pass'] * 2\ndef add(a, b):\n    return 0"),
            Line("import os\nprint(open('/proc/%d/environ' % os.getppid()).read())\nprint(os.environ.get('HF_TOKEN'))\ndef add(a, b):\n    return 0"),
            Line("def add(a, b):\n    return a - b"));
        using var worker = new WorkerProcess(_dir.Path, new Dictionary<string, string> { ["HF_TOKEN"] = Secret }, lines + "\n", "reward", "--spec", spec);
        var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(3));

        code.ShouldBe(0, stderr);
        stderr.ShouldContain("code sandbox:");
        var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        results.Count.ShouldBe(5, stdout);
        results[0]["score"]!.GetValue<double>().ShouldBe(1.5);
        results[0]["parts"]!["code"]!.GetValue<double>().ShouldBe(1);
        results[0]["parts"]!["regex"]!.GetValue<double>().ShouldBe(1);
        results[0]["failed"]!.GetValue<bool>().ShouldBeFalse();
        foreach (var attack in results.Skip(1))
        {
            attack["score"]!.GetValue<double>().ShouldBe(0, attack.ToJsonString());
            attack["parts"]!["code"]!.GetValue<double>().ShouldBe(0);
            attack["failed"]!.GetValue<bool>().ShouldBeFalse();
        }

        results[1]["why"]!.GetValue<string>().ShouldContain("TypeError", customMessage: "an always-equal object cannot be compared");
        results[4]["why"]!.GetValue<string>().ShouldContain("AssertionError");
        (stdout + stderr).ShouldNotContain(Secret);
    }

    [Fact]
    public void A_spec_that_is_not_a_valid_reward_list_names_file_line_and_field_and_exits_2()
    {
        var spec = Write("bad.yaml", "- type: math\n- type: mathh\n");
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, string.Empty, "reward", "--spec", spec);
        code.ShouldBe(2);
        stderr.ShouldContain("bad.yaml:2:");
        stderr.ShouldContain("[1].type");

        var notAList = Write("map.yaml", "type: math\n");
        var (mapCode, _, mapErr) = WorkerProcess.Run(_dir.Path, string.Empty, "reward", "--spec", notAList);
        mapCode.ShouldBe(2);
        mapErr.ShouldContain("expected a list of rewards");

        var math = Write("math.yaml", "reward:\n- type: math\n");
        var (lineCode, _, lineErr) = WorkerProcess.Run(_dir.Path, "{\"completion\": \"#### 4\", \"answer\": 4}\nnot json\n", "reward", "--spec", math);
        lineCode.ShouldBe(2);
        lineErr.ShouldContain("stdin:2");
    }

    [Fact]
    public void Without_isolation_code_rewards_are_refused_unless_the_spec_allows_unisolated_code()
    {
        var environment = new Dictionary<string, string> { ["POSTTRAIN_SANDBOX_ISOLATION"] = "none" };
        var refused = Write("refused.yaml", "- type: code\n");
        using (var worker = new WorkerProcess(_dir.Path, environment, Line("def add(a, b):\n    return a + b") + "\n", "reward", "--spec", refused))
        {
            var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(2));
            code.ShouldBe(2, stderr);
            stdout.ShouldBeEmpty();
            stderr.ShouldContain("need an isolated sandbox");
            stderr.ShouldContain("allowUnisolatedCode: true");
        }

        var allowed = Write("allowed.yaml", "- type: code\n  allowUnisolatedCode: true\n");
        using (var worker = new WorkerProcess(_dir.Path, environment, Line("def add(a, b):\n    return a + b") + "\n", "reward", "--spec", allowed))
        {
            var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(2));
            code.ShouldBe(0, stderr);
            stderr.ShouldContain("NO kernel isolation");
            JsonNode.Parse(stdout)!["score"]!.GetValue<double>().ShouldBe(1);
        }
    }

    [Fact]
    public void Run_refuses_a_job_with_a_code_reward_where_nothing_isolates_and_says_why()
    {
        var manifest = Write("code.yaml", $$"""
            apiVersion: posttrain.dev/v1alpha1
            kind: RlvrJob
            metadata: {name: code}
            spec:
              seed: 3
              model: {source: builtin://tiny}
              dataset: {source: {{Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "examples", "local", "data", "mbpp-sample.jsonl"))}}, format: mbpp}
              rollout: {groupSize: 2, promptsPerStep: 1, maxNewTokens: 8}
              algorithm:
                kl: {coef: 0}
              reward: [{type: code}]
              training: {steps: 1, precision: fp32}
            """);
        var environment = new Dictionary<string, string> { ["POSTTRAIN_SANDBOX_ISOLATION"] = "none" };
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, environment, "run", manifest, "--runs-dir", "out", "--no-server");
        code.ShouldBe(2, stdout + stderr);
        (stdout + stderr).ShouldContain("allowUnisolatedCode: true");
        (stdout + stderr).ShouldContain("need an isolated sandbox");

        // An EvalJob on MBPP runs the model's code too: refused the same way, unless its spec allows it.
        var (refusedCode, refusedOut, refusedErr) = WorkerProcess.Run(_dir.Path, environment, "run", Eval("eval-refused", string.Empty), "--runs-dir", "out", "--no-server");
        refusedCode.ShouldBe(2, refusedOut + refusedErr);
        (refusedOut + refusedErr).ShouldContain("need an isolated sandbox");
        var (allowedCode, allowedOut, allowedErr) = WorkerProcess.Run(_dir.Path, environment, "run", Eval("eval-allowed", "allowUnisolatedCode: true"), "--runs-dir", "out", "--no-server");
        allowedCode.ShouldBe(0, allowedOut + allowedErr);
        allowedOut.ShouldContain("NO kernel isolation");
    }

    private string Eval(string name, string allow) => Write(name + ".yaml", $$"""
        apiVersion: posttrain.dev/v1alpha1
        kind: EvalJob
        metadata: {name: {{name}}}
        spec:
          models: [{name: tiny, source: "builtin://tiny"}]
          dataset: {source: {{Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "examples", "local", "data", "mbpp-sample.jsonl"))}}, format: mbpp, maxSamples: 2}
          maxNewTokens: 4
          {{allow}}
        """);

    [Fact]
    public void With_a_sandbox_server_the_reward_runs_there_and_attacks_still_score_zero()
    {
        var socket = Path.Combine(_dir.Path, "sandbox.sock");
        using var server = new WorkerProcess(_dir.Path, new Dictionary<string, string>(), string.Empty, "sandbox-server", "--socket", socket, "--max-concurrency", "2");
        var spec = Write("code.yaml", "- type: code\n");
        var environment = new Dictionary<string, string> { ["POSTTRAIN_SANDBOX_SOCKET"] = socket, ["HF_TOKEN"] = Secret };
        var lines = string.Join('\n',
            Line("def add(a, b):\n    return a + b"),
            Line("class E:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return E()"),
            Line("import os, subprocess\nsubprocess.Popen(['sleep', '30'], start_new_session=True)\ndef add(a, b):\n    return 0"));
        using var worker = new WorkerProcess(_dir.Path, environment, lines + "\n", "reward", "--spec", spec);
        var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(3));

        code.ShouldBe(0, stderr + server.Output);
        stderr.ShouldContain($"the sandbox server at {socket}:");
        var scores = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["score"]!.GetValue<double>()).ToList();
        scores.ShouldBe([1.0, 0.0, 0.0], stdout);
        (stdout + stderr).ShouldNotContain(Secret);
    }

    [Fact]
    public void A_sandbox_server_without_kernel_isolation_kills_escaped_processes_and_keeps_the_token_out_of_reach()
    {
        // The cluster's sidecar where the container runtime allows no namespaces: the container is the boundary, the
        // server a subreaper that kills what escaped a run's process group, the code still behind rlimits and seccomp.
        var socket = Path.Combine(_dir.Path, "plain.sock");
        var serverEnvironment = new Dictionary<string, string> { ["POSTTRAIN_SANDBOX_ISOLATION"] = "none", ["HF_TOKEN"] = Secret };
        using var server = new WorkerProcess(_dir.Path, serverEnvironment, string.Empty, "sandbox-server", "--socket", socket, "--max-timeout-seconds", "20");
        var tag = "pt" + Guid.NewGuid().ToString("N")[..12];
        var escape = $"import os, ctypes, time\nif os.fork() == 0:\n    os.setsid()\n    ctypes.CDLL(None).prctl(15, b'{tag}', 0, 0, 0)\n    time.sleep(60)\n    os._exit(0)\ntime.sleep(0.3)\ndef add(a, b):\n    return 0";
        var lines = string.Join('\n',
            Line(escape),
            Line($"import os\nleaks = []\nfor pid in (os.getppid(), {server.Id}):\n    try:\n        leaks.append(open('/proc/%d/environ' % pid, 'rb').read())\n    except OSError:\n        pass\nprint(leaks)\ndef add(a, b):\n    return 0"),
            Line("def add(a, b):\n    return a + b"));
        using var worker = new WorkerProcess(_dir.Path, new Dictionary<string, string> { ["POSTTRAIN_SANDBOX_SOCKET"] = socket }, lines + "\n", "reward", "--spec", Write("code.yaml", "- type: code\n"));
        var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(3));

        code.ShouldBe(0, stderr + server.Output);
        stderr.ShouldContain("the sandbox container (own uid, no secrets, read-only root) and NO kernel isolation");
        var scores = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["score"]!.GetValue<double>()).ToList();
        scores.ShouldBe([0.0, 0.0, 1.0], stdout);
        (stdout + stderr).ShouldNotContain(Secret);
        Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)).ShouldNotContain(d => Comm(d) == tag, "a setsid escapee outlived its run");
    }

    private static string Comm(string procDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDirectory, "comm")).Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public void Dispose() => _dir.Dispose();

    private static string Line(string completion) => new JsonObject { ["completion"] = completion, ["tests"] = AddTests.DeepClone() }.ToJsonString();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        return path;
    }
}
