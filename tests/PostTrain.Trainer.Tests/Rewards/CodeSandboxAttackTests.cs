using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Trainer.Tests.Rewards;

/// <summary>
/// Issue 20's attacks on the code reward, each as a policy would write it, under every isolation this machine has
/// (bubblewrap; unshare where the tests run as root; and without isolation where that is allowed): each must score 0
/// and leave the worker's files, secrets, processes and network untouched.
/// </summary>
public sealed class CodeSandboxAttackTests : IDisposable
{
    private const string Secret = "hf_attack_test_secret_5f1c";
    private static readonly string[] AddTests = ["assert add(1, 2) == 3", "assert add(2, 5) == 7", "assert add(-4, 5) == 1"];
    private readonly TempDirectory _workerFolder = new("posttrain-worker-");
    private readonly string _sentinel;

    public CodeSandboxAttackTests()
    {
        // A stand-in for the worker's own files (checkpoints, output): readable and writable by everyone, so only the
        // isolation can keep them from the code.
        var checkpoint = Directory.CreateDirectory(Path.Combine(_workerFolder.Path, "checkpoint-00000010")).FullName;
        _sentinel = Path.Combine(checkpoint, "model.safetensors");
        File.WriteAllText(_sentinel, "weights " + Secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_workerFolder.Path, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(checkpoint, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(_sentinel, (UnixFileMode)0b110_110_110);
        }
        Environment.SetEnvironmentVariable("HF_TOKEN", Secret);
    }

    public static TheoryData<SandboxIsolation> Isolations => [SandboxIsolation.Bubblewrap, SandboxIsolation.Unshare];

    public static TheoryData<SandboxIsolation> AllIsolations => [SandboxIsolation.Bubblewrap, SandboxIsolation.Unshare, SandboxIsolation.None];

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HF_TOKEN", null);
        _workerFolder.Dispose();
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Switching_off_the_old_audit_hook_through_the_callers_frame_finds_no_harness_state(SandboxIsolation isolation)
    {
        const string attack = """
            import sys
            names = set()
            f = sys._getframe(0)
            while f is not None:
                names |= set(f.f_locals) | set(f.f_globals)
                f = f.f_back
            FOUND = sorted(n for n in names if n in ('tests', 'state', 'report', 'nonce', 'expected', 'test_globals'))
            try:
                sys._getframe(1).f_locals['state']['busy'] = True
            except Exception as e:
                print('no hook state:', type(e).__name__)
            def add(a, b):
                return 0
            """;
        await AssertContainedAsync(isolation, attack);
        var sandbox = Sandbox(isolation);
        if (sandbox is not null)
        {
            (await sandbox.RunAsync(attack, ["assert FOUND == []"], null, CancellationToken.None)).PassedCount.ShouldBe(1, "no harness state is reachable from the program's frames");
        }
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Replacing_the_tests_through_the_callers_frame_does_nothing(SandboxIsolation isolation) =>
        await AssertContainedAsync(isolation, "import sys\nsys._getframe(1).f_locals['tests'][:] = ['pass'] * 3\ndef add(a, b):\n    return 0");

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Calling_every_reporting_function_in_reach_forges_nothing(SandboxIsolation isolation)
    {
        const string attack = """
            import sys, gc
            found = {}
            f = sys._getframe(0)
            while f is not None:
                for k, v in list(f.f_locals.items()):
                    if callable(v):
                        found[k] = v
                f = f.f_back
            for name in ('report', 'send', 'write'):
                fn = found.get(name)
                for message in ('PASS 0', 'PASS 1', 'PASS 2', 'DONE', {'ok': {'i': '3'}}, {'ok': True}):
                    try:
                        fn(message)
                    except Exception:
                        pass
            def add(a, b):
                return 0
            """;
        await AssertContainedAsync(isolation, attack);
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Reusing_a_nonce_from_a_traceback_or_printing_forged_result_lines_earns_nothing(SandboxIsolation isolation)
    {
        const string attack = """
            import sys, re, os
            hexes = set()
            try:
                raise ValueError()
            except ValueError as e:
                tb = e.__traceback__
                f = tb.tb_frame
                while f is not None:
                    for v in list(f.f_locals.values()) + list(f.f_globals.values()):
                        if isinstance(v, str):
                            hexes |= set(re.findall(r'[0-9a-f]{32}', v))
                    f = f.f_back
            for h in hexes | {'0' * 32}:
                for line in ('PASS 0', 'PASS 1', 'PASS 2', 'DONE'):
                    print('\n%s %s' % (h, line), flush=True)
                    os.write(1, ('\n%s %s\n' % (h, line)).encode())
                    os.write(2, ('\n%s %s\n' % (h, line)).encode())
            sys.stdout.flush()
            os._exit(0)
            """;
        var result = await AssertContainedAsync(isolation, attack);
        result.Details!.ShouldContain("ProgramExited");
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Objects_that_equal_everything_do_not_pass(SandboxIsolation isolation)
    {
        await AssertContainedAsync(isolation, "class Yes:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\ndef add(a, b):\n    return Yes()");
        await AssertContainedAsync(isolation, "class Yes(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes(12345)");
        await AssertContainedAsync(isolation, "class Yes(str):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes('no')");
        await AssertContainedAsync(isolation, "class Yes(list):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes()");
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Patching_builtins_modules_and_the_runner_in_the_program_changes_no_verdict(SandboxIsolation isolation)
    {
        const string attack = """
            import builtins, sys, json, math
            builtins.len = lambda x: 3
            builtins.AssertionError = type('AssertionError', (Exception,), {})
            builtins.isinstance = lambda *a: True
            math.isclose = lambda *a, **k: True
            json.dumps = lambda *a, **k: '{"ok": {"i": "3"}}'
            sys.modules['json'] = None
            class M:
                isclose = staticmethod(lambda *a, **k: True)
            math = M()
            def add(a, b):
                return [0]
            """;
        string[] tests = ["assert len(add(1, 2)) == 3", "assert math.isclose(add(1, 2), 3)", "assert add(1, 2) == 3"];
        var reward = Reward(isolation);
        if (reward is null)
        {
            return;
        }

        using (reward)
        {
            (await reward.ScoreAsync(Input(attack, tests), CancellationToken.None)).Score.ShouldBe(0);
        }
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Exiting_early_raising_SystemExit_and_signal_games_score_zero(SandboxIsolation isolation)
    {
        await AssertContainedAsync(isolation, "import os\nos._exit(0)");
        await AssertContainedAsync(isolation, "def add(a, b):\n    raise SystemExit(0)");
        await AssertContainedAsync(isolation, "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ndef add(a, b):\n    while True:\n        pass", AddTests[..1]);
        var late = await AssertContainedAsync(isolation, """
            import threading, time, os
            def later():
                time.sleep(0.2)
                for i in range(3):
                    print('PASS', i, flush=True)
                os._exit(0)
            threading.Thread(target=later, daemon=False).start()
            def add(a, b):
                time.sleep(0.5)
                return 0
            """);
        late.Details!.ShouldNotContain("3/3");
    }

    [Theory]
    [MemberData(nameof(Isolations))]
    public async Task Writing_outside_the_scratch_folder_fails_even_with_dir_fd_and_symlinks(SandboxIsolation isolation)
    {
        var target = Path.Combine(_workerFolder.Path, "pwned.txt");
        var attack = $$"""
            import os
            for attempt in (
                lambda: open({{Py(target)}}, 'w').write('x'),
                lambda: os.write(os.open('pwned.txt', os.O_WRONLY | os.O_CREAT, dir_fd=os.open({{Py(_workerFolder.Path)}}, os.O_RDONLY)), b'x'),
                lambda: (os.symlink({{Py(_workerFolder.Path)}}, 'link'), open('link/pwned.txt', 'w').write('x')),
                lambda: open({{Py(_sentinel)}}, 'w').write('overwritten'),
                lambda: os.remove({{Py(_sentinel)}}),
                lambda: open('/dev/shm/fill', 'w').write('x'),
                lambda: open('/usr/pwned', 'w').write('x'),
            ):
                try:
                    attempt()
                    print('attempt succeeded')
                except Exception as e:
                    print('refused:', type(e).__name__)
            def add(a, b):
                return 0
            """;
        var result = await AssertContainedAsync(isolation, attack);
        File.Exists(target).ShouldBeFalse();
        File.ReadAllText(_sentinel).ShouldBe("weights " + Secret);
    }

    [Theory]
    [MemberData(nameof(Isolations))]
    public async Task The_workers_files_checkpoints_and_token_are_out_of_reach(SandboxIsolation isolation)
    {
        var attack = $$"""
            import os, glob
            seen = []
            def grab(path):
                try:
                    with open(path, 'rb') as f:
                        seen.append(f.read(100000))
                except Exception as e:
                    pass
            for path in [{{Py(_sentinel)}}, '/proc/self/environ', '/proc/1/environ', '/proc/%d/environ' % os.getppid(), '/proc/{{Environment.ProcessId}}/environ']:
                grab(path)
            for pattern in ['/proc/*/environ', '/tmp/posttrain-worker-*/*/*', '/mnt/*/*', '/home/*/.cache/*', '/root/*', '/var/lib/posttrain/*/*', '/run/secrets/*/*']:
                for path in glob.glob(pattern):
                    grab(path)
            print(repr(os.environ), b''.join(seen)[-2000:], os.listdir('/'))
            def add(a, b):
                return 0
            """;
        var result = await AssertContainedAsync(isolation, attack);
        result.Output.ShouldNotContain(Secret);
        result.Output.ShouldContain("'work'");
    }

    [Theory]
    [MemberData(nameof(Isolations))]
    public async Task The_code_cannot_kill_or_signal_the_worker_or_any_process_outside(SandboxIsolation isolation)
    {
        using var victim = StartVictim();
        var attack = $$"""
            import os, signal
            for pid in ({{victim.Id}}, {{Environment.ProcessId}}, os.getppid()):
                try:
                    fd = os.pidfd_open(pid)
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
                    print('pidfd kill', pid)
                except Exception as e:
                    print('pidfd refused', pid, type(e).__name__)
            try:
                os.kill({{victim.Id}}, signal.SIGKILL)
                print('killed')
            except Exception as e:
                print('kill refused', type(e).__name__)
            def add(a, b):
                return 0
            """;
        await AssertContainedAsync(isolation, attack);
        victim.HasExited.ShouldBeFalse("a process outside the sandbox was killed");
        Process.GetCurrentProcess().HasExited.ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Processes_started_with_setsid_do_not_outlive_the_run(SandboxIsolation isolation)
    {
        var tag = "pt" + Guid.NewGuid().ToString("N")[..12];
        var attack = $$"""
            import subprocess, sys, os
            child = "import ctypes, time\nctypes.CDLL(None).prctl(15, b'{{tag}}', 0, 0, 0)\ntime.sleep(60)"
            for _ in range(3):
                subprocess.Popen([sys.executable, '-c', child], start_new_session=True, stdin=subprocess.DEVNULL, close_fds=False)
            pid = os.fork()
            if pid == 0:
                os.setsid()
                import ctypes, time
                ctypes.CDLL(None).prctl(15, b'{{tag}}', 0, 0, 0)
                time.sleep(60)
            import time
            time.sleep(0.5)
            print('escapees started', flush=True)
            def add(a, b):
                return 0
            """;
        var result = await AssertContainedAsync(isolation, attack);
        result.Completed.ShouldBeTrue(result.Output);
        result.Output.ShouldContain("escapees started");
        (await SurvivorsAsync(tag)).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task Processes_left_by_a_run_killed_at_the_time_limit_do_not_survive_it(SandboxIsolation isolation)
    {
        var tag = "pt" + Guid.NewGuid().ToString("N")[..12];
        var attack = $$"""
            import os, ctypes, time
            if os.fork() == 0:
                os.setsid()
                ctypes.CDLL(None).prctl(15, b'{{tag}}', 0, 0, 0)
                time.sleep(60)
                os._exit(0)
            while True:
                pass
            """;
        var sandbox = Sandbox(isolation, o => o with { PerTestTimeout = null, WallTimeout = TimeSpan.FromSeconds(3) });
        if (sandbox is null)
        {
            return;
        }

        var result = await sandbox.RunAsync(attack, AddTests, null, CancellationToken.None);
        result.TimedOut.ShouldBeTrue(result.Output);
        result.PassedCount.ShouldBe(0);
        (await SurvivorsAsync(tag)).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task No_socket_opens_and_nothing_on_the_host_is_reached(SandboxIsolation isolation)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var attack = $$"""
            import socket, ctypes
            for attempt in (
                lambda: socket.create_connection(('127.0.0.1', {{port}}), timeout=1),
                lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
                lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
            ):
                try:
                    attempt()
                    print('socket opened')
                except Exception as e:
                    print('refused:', type(e).__name__)
            libc = ctypes.CDLL(None, use_errno=True)
            print('raw socket syscall:', libc.syscall(41 if __import__('os').uname().machine == 'x86_64' else 198, 2, 1, 0), ctypes.get_errno())
            def add(a, b):
                return 0
            """;
        var result = await AssertContainedAsync(isolation, attack);
        result.Output.ShouldNotContain("socket opened");
        result.Output.ShouldContain("raw socket syscall: -1");
        listener.Pending().ShouldBeFalse("a connection reached the worker's loopback");
    }

    [Theory]
    [MemberData(nameof(Isolations))]
    public async Task Filling_the_disk_stops_at_the_scratch_size(SandboxIsolation isolation)
    {
        const string attack = """
            import os
            written = 0
            chunk = b'x' * (1 << 20)
            for i in range(2048):
                try:
                    with open('fill%d' % i, 'wb') as f:
                        for _ in range(16):
                            f.write(chunk)
                            written += len(chunk)
                except OSError as e:
                    print('stopped:', e.strerror)
                    break
            print('written MiB:', written >> 20)
            def add(a, b):
                return 0
            """;
        var sandbox = Sandbox(isolation, o => o with { ScratchBytes = 8L << 20 });
        if (sandbox is null)
        {
            return;
        }

        var result = await sandbox.RunAsync(attack, AddTests, null, CancellationToken.None);
        result.PassedCount.ShouldBe(0);
        result.Output.ShouldContain("stopped: No space left on device");
        var written = int.Parse(result.Output.Split("written MiB: ")[1].Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        written.ShouldBeLessThanOrEqualTo(8);
    }

    [Theory]
    [MemberData(nameof(Isolations))]
    public async Task Fork_and_memory_bombs_are_contained(SandboxIsolation isolation)
    {
        var tag = "pt" + Guid.NewGuid().ToString("N")[..12];
        var forkBomb = $$"""
            import os, ctypes, time
            ctypes.CDLL(None).prctl(15, b'{{tag}}', 0, 0, 0)
            n = 0
            try:
                while True:
                    if os.fork() == 0:
                        time.sleep(60)
                        os._exit(0)
                    n += 1
            except OSError as e:
                print('forks stopped after', n, e.strerror, flush=True)
            """;
        var result = await AssertContainedAsync(isolation, forkBomb);
        result.Output.ShouldContain("forks stopped after");
        (await SurvivorsAsync(tag)).ShouldBeEmpty();
        (await AssertContainedAsync(isolation, "x = bytearray(8 * 1024 * 1024 * 1024)")).Details!.ShouldContain("MemoryError");
    }

    [Theory]
    [MemberData(nameof(AllIsolations))]
    public async Task No_new_namespaces_ptrace_or_io_uring(SandboxIsolation isolation)
    {
        const string attack = """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            x86 = os.uname().machine == 'x86_64'
            calls = {'unshare': (272 if x86 else 97, 0x10000000 | 0x40000000), 'ptrace': (101 if x86 else 117, 16, 1), 'io_uring_setup': (425, 8, 0), 'mount': (165 if x86 else 40, 0, 0)}
            for name, (nr, *args) in calls.items():
                print(name, libc.syscall(nr, *args), ctypes.get_errno())
            def add(a, b):
                return 0
            """;
        var result = await AssertContainedAsync(isolation, attack);
        result.Output.ShouldContain("unshare -1 1");
        result.Output.ShouldContain("ptrace -1 1");
        result.Output.ShouldContain("io_uring_setup -1 1");
    }

    [Fact]
    public void Without_isolation_code_rewards_are_refused_unless_the_job_allows_them_and_the_refusal_says_why()
    {
        var options = new PythonSandboxOptions { Isolation = SandboxIsolation.None };
        var refusal = Should.Throw<SandboxUnavailableException>(() => new PythonSandbox(options)).Message;
        refusal.ShouldContain("need an isolated sandbox");
        refusal.ShouldContain("allowUnisolatedCode: true");
        refusal.ShouldContain("isolation 'none' was asked for");

        var factory = new RewardFactory(sandbox: options);
        Should.Throw<SandboxUnavailableException>(() => factory.Create(new RewardSpec { Kind = "code" }, "spec.reward[0]")).Message.ShouldStartWith("spec.reward[0]: ");
        using var allowed = (CodeReward)factory.Create(new RewardSpec { Kind = "code", AllowUnisolatedCode = true }, "spec.reward[0]");
        allowed.Sandbox.Isolation.ShouldStartWith("NO kernel isolation");
    }

    [Fact]
    public async Task Without_isolation_the_token_stays_out_of_reach_but_world_readable_files_of_the_host_do_not()
    {
        // What the weaker mode (allowUnisolatedCode: true) does and does not protect, asserted so the docs stay true.
        var sandbox = Sandbox(SandboxIsolation.None)!;
        var attack = $$"""
            import os
            secret = {{Py(Secret)}}
            for name, read in (
                ('environ', lambda: repr(os.environ)),
                ('parent', lambda: open('/proc/%d/environ' % os.getppid(), 'rb').read().decode('latin-1')),
                ('worker', lambda: open('/proc/{{Environment.ProcessId}}/environ', 'rb').read().decode('latin-1')),
            ):
                try:
                    print(name, 'LEAKED' if secret in read() else 'clean')
                except Exception as e:
                    print(name, 'refused', type(e).__name__)
            try:
                print('host file', 'READ' if secret in open({{Py(_sentinel)}}).read() else 'clean')
            except Exception as e:
                print('host file refused', type(e).__name__)
            def add(a, b):
                return 0
            """;
        var result = await AssertContainedAsync(SandboxIsolation.None, attack);
        result.Output.ShouldNotContain("LEAKED");
        result.Output.ShouldContain("environ clean");
        result.Output.ShouldContain("host file READ", customMessage: "without isolation a world-readable file of the host is readable (docs/data-and-rewards.md)");
        sandbox.Isolation.ShouldContain("the host's network namespace and filesystem");
    }

    /// <summary>Scores <paramref name="attack"/> through the code reward; asserts a score of 0 and the worker's files intact.</summary>
    private async Task<Outcome> AssertContainedAsync(SandboxIsolation isolation, string attack, IReadOnlyList<string>? tests = null)
    {
        var sandbox = Sandbox(isolation);
        if (sandbox is null)
        {
            return new Outcome(new RewardResult(0, "refused"), new SandboxResult { TestPassed = [], TestErrors = [], Completed = true });
        }

        var recording = new Recording(sandbox);
        using var reward = new CodeReward(new CodeRewardOptions { Sandbox = sandbox.Options }, recording);
        var result = await reward.ScoreAsync(Input(attack, tests ?? AddTests), CancellationToken.None);
        result.Score.ShouldBe(0, $"{result.Details}\n{recording.Last!.Output}");
        result.Failed.ShouldBeFalse();
        File.ReadAllText(_sentinel).ShouldBe("weights " + Secret);
        return new Outcome(result, recording.Last!);
    }

    /// <summary>The reward under <paramref name="isolation"/>, or null after checking the refusal where this machine cannot offer it.</summary>
    private static CodeReward? Reward(SandboxIsolation isolation)
    {
        var sandbox = Sandbox(isolation);
        return sandbox is null ? null : new CodeReward(new CodeRewardOptions { Sandbox = sandbox.Options }, sandbox);
    }

    private sealed record Outcome(RewardResult Reward, SandboxResult Run)
    {
        public string Output => Run.Output;

        public string? Details => Reward.Details;

        public bool Completed => Run.Completed;
    }

    private sealed class Recording(ICodeSandbox inner) : ICodeSandbox
    {
        public SandboxResult? Last { get; private set; }

        public string Isolation => inner.Isolation;

        public async Task<SandboxResult> RunAsync(string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken) =>
            Last = await inner.RunAsync(code, tests, setupCode, cancellationToken);
    }

    private static PythonSandbox? Sandbox(SandboxIsolation isolation, Func<PythonSandboxOptions, PythonSandboxOptions>? adjust = null)
    {
        var options = new PythonSandboxOptions
        {
            Isolation = isolation,
            AllowUnisolated = isolation == SandboxIsolation.None,
            WallTimeout = TimeSpan.FromSeconds(8),
            PerTestTimeout = TimeSpan.FromSeconds(2),
        };
        options = adjust?.Invoke(options) ?? options;
        if (isolation == SandboxIsolation.Unshare && !SandboxHost.Current.IsRoot)
        {
            Should.Throw<SandboxUnavailableException>(() => new PythonSandbox(options)).Message.ShouldContain("unshare: needs root");
            return null;
        }

        if (isolation == SandboxIsolation.Bubblewrap && SandboxHost.Find("bwrap") is null)
        {
            // Without bubblewrap the attack cannot be tried here; what is true is that the isolation is refused, saying why.
            Should.Throw<SandboxUnavailableException>(() => new PythonSandbox(options)).Message.ShouldContain("bwrap: not found on PATH");
            return null;
        }

        return new PythonSandbox(options);
    }

    private static RewardInput Input(string completion, IReadOnlyList<string> tests) =>
        new("Write add(a, b).", completion, new Example { Id = "attack", Prompt = "Write add(a, b).", Tests = tests });

    private static string Py(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>A process outside the sandbox as the sandbox's own uid, so that only the isolation protects it.</summary>
    private static Victim StartVictim()
    {
        var psi = SandboxHost.Current.IsRoot
            ? new ProcessStartInfo(SandboxHost.Find("setpriv")!) { ArgumentList = { "--reuid=65534", "--regid=65534", "--clear-groups", "--", "sleep", "60" } }
            : new ProcessStartInfo("sleep") { ArgumentList = { "60" } };
        return new Victim(Process.Start(psi)!);
    }

    /// <summary>Processes whose name is <paramref name="tag"/>, after giving a killed pid namespace a moment to be reaped.</summary>
    private static async Task<List<int>> SurvivorsAsync(string tag)
    {
        List<int> alive = [];
        for (var attempt = 0; attempt < 50; attempt++)
        {
            alive = [.. Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsAsciiDigit)).Where(pid => HasName(pid, tag)).Select(int.Parse)];
            if (alive.Count == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        return alive;
    }

    private sealed class Victim(Process process) : IDisposable
    {
        public int Id => process.Id;

        public bool HasExited => process.HasExited;

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
        }
    }

    private static bool HasName(string pid, string tag)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == tag && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
