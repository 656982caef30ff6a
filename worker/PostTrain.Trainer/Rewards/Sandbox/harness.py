# The trusted side of the code sandbox (docs/data-and-rewards.md, "The code sandbox"). It runs outside the isolation
# that holds the candidate, reads its job as JSON on stdin, and reports on stdout in lines that start with a nonce:
#   PGID n           the process group of a candidate process it started (the worker kills it when it stops a run)
#   SANDBOX why      the candidate process could not be started (the isolation failed, not the program)
#   SECCOMP why      the candidate process runs without its seccomp filter
#   PROGRAM type     the program (or the dataset's setup code) raised before any test ran
#   PASS i / FAIL i type
#   DONE             after every process the run started is gone (this process is their subreaper)
# The program runs in another process (runner.py, inside the isolation), never here. The tests run here: every name a
# test uses that neither the test, the setup code nor the builtins define is looked up in the candidate process,
# and what comes back is plain data (numbers, strings, bytes, lists, tuples, dicts, sets) rebuilt here, or a handle
# on which only attribute access, calls, indexing and iteration are forwarded. Comparisons, asserts and builtins run
# here, on values the candidate's code cannot reach, so an object whose __eq__ always answers True never takes part.
import builtins
import json
import os
import signal
import subprocess
import sys


# Modules that tests use by name after the program imported them (MBPP's `assert math.isclose(f(x), 2.5)`): the test
# gets this process's module, never the candidate's object of that name, so `math.isclose = lambda *a: True` in the
# program changes nothing. A program's alias of one of them (`import numpy as np`) resolves here too.
LOCAL_MODULES = frozenset(["math", "cmath", "re", "collections", "heapq", "itertools", "functools", "statistics",
                           "fractions", "decimal", "bisect", "datetime", "json", "typing", "struct", "numpy"])


class TestTimeout(BaseException):
    """The test (or the program's top level) ran out of time. Not an Exception: a test's `except Exception` must not
    swallow it."""


class CandidateGone(BaseException):
    """The candidate process died, broke the protocol or sent something that is not a value."""


class RemoteError(Exception):
    """The candidate's code raised an exception that is not a builtin one; the name is its type's."""


def _prctl(option, value):
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        return libc.prctl(option, value, 0, 0, 0) == 0
    except Exception:
        return False


def _die_with_parent():
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the harness is single-threaded, so its death is the parent's


def _children():
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            if int(stat[stat.rindex(b")") + 2:].split()[1]) == me:
                found.append(int(name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def _kill_descendants():
    # This process is a child subreaper: whatever a candidate started and left behind (setsid included) was
    # reparented here when its parent died. Kill and reap until none is left.
    for _ in range(100):
        found = _children()
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in found:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass


def _main():
    _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: descendants that leave the candidate's process group come back here

    def on_term(signum, frame):
        # The worker's wall-clock limit: kill everything this run started, then go.
        _kill_descendants()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # Not dumpable: a candidate process running as the same user cannot open /proc/<harness>/fd or ptrace it.
    _prctl(4, 0)  # PR_SET_DUMPABLE
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    nonce = job["nonce"]

    def report(line):
        os.write(1, ("\n%s %s\n" % (nonce, line)).encode("utf-8", "replace"))

    tests = job["tests"]
    test_timeout = float(job.get("test_timeout") or 0)
    max_reply = int(job["max_reply_bytes"])
    program = {"program": job["program"], "setup": job.get("setup") or ""}
    start = {"args": job["argv"], "env": job["env"], "cwd": job.get("cwd") or None}
    setup = job.get("setup") or ""
    job = None

    def on_alarm(signum, frame):
        raise TestTimeout()

    signal.signal(signal.SIGALRM, on_alarm)

    def arm():
        if test_timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, test_timeout)

    def disarm():
        signal.setitimer(signal.ITIMER_REAL, 0)

    class Candidate(object):
        def __init__(self):
            self.proc = None
            self.generation = 0
            self.failed = None

        def kill(self):
            if self.proc is not None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                for f in (self.proc.stdin, self.proc.stdout):
                    try:
                        f.close()
                    except OSError:
                        pass
                self.proc.wait()
                self.proc = None

        def send(self, message):
            data = json.dumps(message, ensure_ascii=True, allow_nan=False).encode("ascii")
            data = len(data).to_bytes(4, "big") + data
            fd = self.proc.stdin.fileno()
            while data:
                data = data[os.write(fd, data):]

        def read_exact(self, n):
            fd = self.proc.stdout.fileno()
            chunks = []
            while n > 0:
                chunk = os.read(fd, min(n, 1 << 20))
                if not chunk:
                    raise CandidateGone("the program's process exited")
                chunks.append(chunk)
                n -= len(chunk)
            return b"".join(chunks)

        def receive(self):
            size = int.from_bytes(self.read_exact(4), "big")
            if size > max_reply:
                raise CandidateGone("a value of %d bytes is more than the limit of %d" % (size, max_reply))
            try:
                message = json.loads(self.read_exact(size).decode("ascii"))
            except (ValueError, RecursionError):
                raise CandidateGone("the program's process sent something that is not a value")
            if type(message) is not dict:
                raise CandidateGone("the program's process sent something that is not a value")
            return message

        def start(self):
            """Starts the candidate process and runs the program; raises what the program raised."""
            self.kill()
            self.generation += 1
            try:
                self.proc = subprocess.Popen(start["args"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             close_fds=True, start_new_session=True, cwd=start["cwd"],
                                             env=start["env"], preexec_fn=_die_with_parent)
            except OSError as e:
                self.failed = "%s: %s" % (start["args"][0], e)
                raise CandidateGone(self.failed)
            report("PGID %d" % self.proc.pid)
            try:
                ready = self.receive()
            except CandidateGone:
                self.failed = "the sandbox did not start (see its output)"
                raise
            if ready.get("seccomp"):
                report("SECCOMP " + str(ready["seccomp"]).replace("\n", " "))
            self.send(program)
            reply = self.receive()
            if "err" in reply:
                raise remote_exception(reply)

        def call(self, message):
            if self.proc is None:
                self.start()
            try:
                self.send(message)
                reply = self.receive()
            except BaseException:
                self.kill()
                raise
            if "err" in reply:
                raise remote_exception(reply)
            return decode(reply.get("ok"), self.generation, 0)

    candidate = Candidate()
    exceptions = dict((name, value) for name, value in vars(builtins).items()
                      if isinstance(value, type) and issubclass(value, Exception))

    def remote_exception(reply):
        name, message = str(reply.get("err")), str(reply.get("msg", ""))
        kind = exceptions.get(name)
        if kind is None:
            error = RemoteError("%s: %s" % (name, message))
            error.remote_name = name
            return error
        try:
            return kind(message)
        except Exception:
            return RemoteError("%s: %s" % (name, message))

    class Ref(object):
        """An object that stays in the candidate process; only the operations below are forwarded."""
        __slots__ = ("_ref", "_generation", "_type")

        def __init__(self, ref, generation, type_name):
            self._ref, self._generation, self._type = ref, generation, type_name

        def _id(self):
            if self._generation != candidate.generation or candidate.proc is None:
                raise CandidateGone("an object from an earlier run of the program")
            return self._ref

        def __getattr__(self, name):
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            return candidate.call({"op": "attr", "ref": self._id(), "name": name})

        def __call__(self, *args, **kwargs):
            return candidate.call({"op": "call", "ref": self._id(), "args": [encode(a, 0) for a in args],
                                   "kwargs": dict((k, encode(v, 0)) for k, v in kwargs.items())})

        def __getitem__(self, key):
            return candidate.call({"op": "item", "ref": self._id(), "key": encode(key, 0)})

        def __iter__(self):
            return iter(expect(candidate.call({"op": "list", "ref": self._id()}), list))

        def __len__(self):
            n = expect(candidate.call({"op": "len", "ref": self._id()}), int)
            if n < 0:
                raise ValueError("__len__() should return >= 0")
            return n

        def __bool__(self):
            return expect(candidate.call({"op": "bool", "ref": self._id()}), bool)

        def __contains__(self, item):
            return expect(candidate.call({"op": "contains", "ref": self._id(), "value": encode(item, 0)}), bool)

        def __str__(self):
            return expect(candidate.call({"op": "str", "ref": self._id()}), str)

        def __repr__(self):
            return "<%s object of the program>" % self._type

        def __eq__(self, other):
            raise TypeError("an object of type %s from the program cannot be compared: tests compare plain values "
                            "(numbers, strings, bytes, lists, tuples, dicts, sets)" % self._type)

        __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__
        __hash__ = None

    def expect(value, kind):
        if type(value) is not kind:
            raise TypeError("expected %s from the program, got %s" % (kind.__name__, type(value).__name__))
        return value

    import collections
    import decimal
    import fractions

    def decode(x, generation, depth):
        if depth > 200:
            raise CandidateGone("a value nested more than 200 deep")
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is list:
            return [decode(y, generation, depth + 1) for y in x]
        if t is not dict or len(x) != 1 and "r" not in x:
            raise CandidateGone("the program's process sent something that is not a value")
        if "r" in x:
            module = x.get("module")
            if type(module) is str and module in LOCAL_MODULES:
                return local_module(module)
            return Ref(expect_int(x["r"]), generation, str(x.get("type", "object")))
        (tag, value), = x.items()

        def items():
            return [decode(y, generation, depth + 1) for y in expect_list(value)]

        def pairs():
            result = []
            for p in expect_list(value):
                if type(p) is not list or len(p) != 2:
                    bad()
                result.append((decode(p[0], generation, depth + 1), decode(p[1], generation, depth + 1)))
            return result

        if tag == "i":
            return parse_int(value)
        if tag == "f":
            return float(expect_str(value))
        if tag == "t":
            return tuple(items())
        if tag == "d":
            return dict(pairs())
        if tag == "s":
            return set(items())
        if tag == "S":
            return frozenset(items())
        if tag == "y":
            return bytes.fromhex(expect_str(value))
        if tag == "Y":
            return bytearray.fromhex(expect_str(value))
        if tag == "c":
            return complex(float(expect_str(value[0])), float(expect_str(value[1])))
        if tag == "R":
            return range(*[expect_int(v) for v in expect_list(value)])
        if tag == "C":
            return collections.Counter(dict(pairs()))
        if tag == "O":
            return collections.OrderedDict(pairs())
        if tag == "Q":
            return collections.deque(items())
        if tag == "q":
            return fractions.Fraction(parse_int(value[0]), parse_int(value[1]))
        if tag == "D":
            return decimal.Decimal(expect_str(value))
        bad()

    def bad():
        raise CandidateGone("the program's process sent something that is not a value")

    def expect_str(v):
        return v if type(v) is str else bad()

    def expect_list(v):
        return v if type(v) is list else bad()

    def expect_int(v):
        return v if type(v) is int else bad()

    def parse_int(v):
        v = expect_str(v)
        if len(v) > 20000 or not v.lstrip("-").isdigit() or not v.isascii():
            bad()
        return int(v)

    def encode(v, depth):
        if depth > 200:
            raise ValueError("a value nested more than 200 deep")
        t = type(v)
        if v is None or t is bool or t is str:
            return v
        if isinstance(v, Ref):
            return {"r": v._id()}
        if t is int:
            return {"i": str(v)}
        if t is float:
            return {"f": repr(v)}
        if t is list:
            return [encode(x, depth + 1) for x in v]
        if t is tuple:
            return {"t": [encode(x, depth + 1) for x in v]}
        if t is dict or t is collections.defaultdict:
            return {"d": [[encode(k, depth + 1), encode(x, depth + 1)] for k, x in v.items()]}
        if t is collections.Counter or t is collections.OrderedDict:
            return {"C" if t is collections.Counter else "O": [[encode(k, depth + 1), encode(x, depth + 1)] for k, x in v.items()]}
        if t is collections.deque:
            return {"Q": [encode(x, depth + 1) for x in v]}
        if t is set or t is frozenset:
            return {"s" if t is set else "S": [encode(x, depth + 1) for x in v]}
        if t is bytes or t is bytearray:
            return {"y" if t is bytes else "Y": v.hex()}
        if t is complex:
            return {"c": [repr(v.real), repr(v.imag)]}
        if t is range:
            return {"R": [v.start, v.stop, v.step]}
        if t is fractions.Fraction:
            return {"q": [str(v.numerator), str(v.denominator)]}
        if t is decimal.Decimal:
            return {"D": str(v)}
        for base in (int, float, str, tuple, list, dict, set, frozenset):
            if isinstance(v, base):
                return encode(base(v) if base is not dict else dict(v.items()), depth + 1)
        name = getattr(v, "__name__", None)
        if isinstance(name, str) and dict.get(test_globals, name) is v:
            return {"g": name}
        raise TypeError("a value of type %s cannot be passed to the program" % t.__name__)

    def local_module(name):
        return __import__(name, None, None, ["__name__"])

    class Builtins(dict):
        """The tests' builtins: the real ones, then the usual modules (imported here, whatever the program binds to
        their names), then the candidate's globals."""

        def __missing__(self, name):
            if name.startswith("__"):
                raise KeyError(name)
            if name in LOCAL_MODULES:
                return local_module(name)
            try:
                return candidate.call({"op": "get", "name": name})
            except NameError:
                raise KeyError(name)

    test_globals = {"__name__": "__main__", "__builtins__": Builtins(vars(builtins))}

    def failure(e):
        if isinstance(e, TestTimeout):
            return "TimeoutError"
        if isinstance(e, CandidateGone):
            return "ProgramExited"
        return getattr(e, "remote_name", None) or type(e).__name__

    try:
        arm()
        if setup:
            exec(compile(setup, "setup.py", "exec"), test_globals)
        candidate.start()
        disarm()
    except BaseException as e:
        disarm()
        if candidate.failed is not None:
            report("SANDBOX " + candidate.failed)
        else:
            report("PROGRAM " + failure(e))
        candidate.kill()
        return report
    for i, source in enumerate(tests):
        try:
            code = compile(source, "test_%d.py" % i, "exec")
            arm()
            exec(code, test_globals)
            disarm()
            report("PASS %d" % i)
        except BaseException as e:
            disarm()
            if isinstance(e, (TestTimeout, CandidateGone)):
                candidate.kill()
            if candidate.failed is not None:
                report("SANDBOX " + candidate.failed)
                break
            report("FAIL %d %s" % (i, failure(e)))
    candidate.kill()
    return report


_report = _main()
_kill_descendants()
_report("DONE")
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
