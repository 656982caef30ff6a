namespace PostTrain.Trainer.Rewards;

/// <summary>
/// The Python program that runs inside the sandbox (passed with <c>-c</c>). It reads its job as JSON from stdin and then
/// replaces stdin with /dev/null, sets the rlimits, installs an audit hook (PEP 578) that refuses writes outside the
/// working directory, process creation, signals, sockets and ctypes, runs the program and then each test, and reports
/// each test's outcome on stdout in lines prefixed with a random nonce the program is never given.
/// </summary>
internal static class SandboxHarness
{
    public const string Script = """
import sys, os, json, resource, signal

def _pt_main():
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    sys.stdin = open(os.devnull, "r")
    nonce = job.pop("nonce")
    out_fd = os.dup(1)
    write = os.write
    def report(line):
        write(out_fd, ("\n" + nonce + " " + line + "\n").encode("utf-8", "replace"))
    limits = job["limits"]
    for res, value in ((resource.RLIMIT_AS, limits["as"]), (resource.RLIMIT_CPU, limits["cpu"]),
                       (resource.RLIMIT_FSIZE, limits["fsize"]), (resource.RLIMIT_NPROC, limits["nproc"]),
                       (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(res)
            try:
                resource.setrlimit(res, (min(value, hard) if hard >= 0 else value, hard))
            except (ValueError, OSError):
                pass
    root = os.path.realpath(os.getcwd())
    realpath = os.path.realpath
    fspath = os.fspath
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    path_events = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.replace", "os.chmod", "os.chown",
                   "os.symlink", "os.link", "os.truncate", "os.utime", "os.setxattr", "os.removexattr",
                   "shutil.rmtree", "shutil.copyfile", "shutil.move", "os.chflags", "os.lchflags", "os.mkfifo", "os.mknod"}
    blocked = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen",
               "pty.spawn", "os.kill", "os.killpg", "os.startfile", "socket.__new__", "socket.connect", "socket.bind",
               "socket.getaddrinfo", "socket.sendto", "resource.setrlimit", "resource.prlimit",
               "sys._current_frames", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "os.chdir", "os.chroot",
               "os.setuid", "os.setgid", "sys.addaudithook", "signal.pthread_kill",
               "webbrowser.open", "urllib.Request", "ftplib.connect", "http.client.connect", "smtplib.connect",
               "telnetlib.Telnet.open", "imaplib.open", "poplib.connect", "nntplib.connect"}
    state = {"busy": False}
    def inside(p):
        try:
            if isinstance(p, int):
                return True
            p = fspath(p)
            if isinstance(p, bytes):
                p = p.decode("utf-8", "surrogateescape")
            if p == os.devnull:
                return True
            r = realpath(p)
            return r == root or r.startswith(root + os.sep)
        except Exception:
            return False
    def hook(event, args):
        if state["busy"]:
            return
        state["busy"] = True
        try:
            if event == "open":
                path, mode, flags = (tuple(args) + (None, None, None))[:3]
                writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                         (isinstance(flags, int) and (flags & write_flags) != 0)
                if writes and path is not None and not inside(path):
                    raise PermissionError("sandbox: writing outside the working directory is not allowed: %r" % (path,))
            elif event in path_events:
                for a in args:
                    if isinstance(a, (str, bytes, os.PathLike)) and not inside(a):
                        raise PermissionError("sandbox: %s outside the working directory is not allowed: %r" % (event, a))
            elif event in blocked or event.startswith("ctypes.") or event.startswith("subprocess.") or event.startswith("socket."):
                raise PermissionError("sandbox: %s is not allowed" % event)
        finally:
            state["busy"] = False
    code = job["code"]
    setup = job.get("setup") or ""
    tests = job["tests"]
    install_hook = job.get("hook", True)
    test_timeout = float(job.get("test_timeout") or 0)
    job = None
    def on_alarm(signum, frame):
        raise TimeoutError("time limit of %.3g s exceeded" % test_timeout)
    signal.signal(signal.SIGALRM, on_alarm)
    setitimer = signal.setitimer
    def arm():
        if test_timeout > 0:
            setitimer(signal.ITIMER_REAL, test_timeout)
    def disarm():
        setitimer(signal.ITIMER_REAL, 0)
    if install_hook:
        sys.addaudithook(hook)
    g = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        arm()
        if setup:
            exec(compile(setup, "setup.py", "exec"), g)
        exec(compile(code, "solution.py", "exec"), g)
        disarm()
    except BaseException as e:
        disarm()
        report("PROGRAM " + type(e).__name__)
        return report, len(tests), True
    for i, t in enumerate(tests):
        try:
            arm()
            exec(compile(t, "test_%d.py" % i, "exec"), g)
            disarm()
            report("PASS %d" % i)
        except BaseException as e:
            disarm()
            report("FAIL %d %s" % (i, type(e).__name__))
    return report, len(tests), False

_pt_report, _pt_n, _pt_failed = _pt_main()
_pt_report("DONE")
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
""";
}
