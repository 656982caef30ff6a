# The candidate side of the code sandbox (docs/data-and-rewards.md, "The code sandbox"). It runs inside the isolation,
# started by the harness (harness.py), and is the first and only trusted code in its process:
#   1. it installs a seccomp filter (no sockets, no ptrace, no new namespaces, no io_uring, ...) that nothing later in
#      this process or its children can remove;
#   2. it reads the program (and the dataset's setup code) from the harness, runs them, and then answers the harness's
#      requests: look up a global, get an attribute, call, index, iterate. Values travel back as plain data.
# It never receives a test or an expected value: the verdict is computed by the harness in another process, from the
# plain values sent here. Everything in this process is the candidate's to tamper with; that only changes the data it
# sends, which it could have returned anyway.
import os
import sys


def _seccomp_program():
    # (audit arch, syscall numbers refused with EPERM, socket, clone, clone3, x32 ABI bit or 0)
    machine = os.uname().machine
    if machine == "x86_64":
        arch, socket, clone, clone3, x32 = 0xC000003E, 41, 56, 435, 0x40000000
        refused = [101, 310, 311, 321, 298, 323, 250, 248, 249, 272, 308, 165, 166, 155, 161, 246, 320, 175, 313, 176,
                   304, 303, 425, 426, 427, 428, 429, 430, 431, 432, 442]
    elif machine == "aarch64":
        arch, socket, clone, clone3, x32 = 0xC00000B7, 198, 220, 435, 0
        refused = [117, 270, 271, 280, 241, 282, 219, 217, 218, 97, 268, 40, 39, 41, 51, 104, 294, 105, 273, 106,
                   265, 264, 425, 426, 427, 428, 429, 430, 431, 432, 442]
    else:
        return None, "no seccomp filter is defined for " + machine
    ld_w_abs, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    eperm, eacces, enosys = 0x00050000 | 1, 0x00050000 | 13, 0x00050000 | 38
    new_namespaces = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
    prog = [(ld_w_abs, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, kill), (ld_w_abs, 0, 0, 0)]
    if x32:
        prog += [(jge, 0, 1, x32), (ret, 0, 0, eperm)]
    for nr in refused:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    prog += [(jeq, 0, 1, socket), (ret, 0, 0, eacces)]
    prog += [(jeq, 0, 1, clone3), (ret, 0, 0, enosys)]
    prog += [(jeq, 0, 3, clone), (ld_w_abs, 0, 0, 16), (jset, 0, 1, new_namespaces), (ret, 0, 0, eperm)]
    prog += [(ret, 0, 0, allow)]
    import struct
    return b"".join(struct.pack("=HBBI", *i) for i in prog), None


def _install_seccomp():
    try:
        program, why = _seccomp_program()
        if program is None:
            return why
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        buffer = ctypes.create_string_buffer(program, len(program))
        fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
        if libc.prctl(38, 1, None, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            return "PR_SET_NO_NEW_PRIVS: " + os.strerror(ctypes.get_errno())
        if libc.prctl(22, 2, ctypes.cast(ctypes.pointer(fprog), ctypes.c_void_p), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
            return "PR_SET_SECCOMP: " + os.strerror(ctypes.get_errno())
        return None
    except Exception as e:  # no ctypes in this interpreter, no libc
        return "seccomp: %s: %s" % (type(e).__name__, e)


def _main():
    seccomp_error = _install_seccomp()
    import json
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    # The original fd 0 carries requests and fd 1 replies; the program reads an empty stdin, and its own stdout goes
    # where its stderr goes.
    request_fd = os.dup(0)
    reply_fd = os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    read, write = os.read, os.write

    def read_exact(n):
        chunks = []
        while n > 0:
            chunk = read(request_fd, min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def receive():
        header = read_exact(4)
        if header is None:
            return None
        body = read_exact(int.from_bytes(header, "big"))
        return None if body is None else json.loads(body.decode("utf-8"))

    def send(message):
        data = json.dumps(message, ensure_ascii=True, allow_nan=False).encode("ascii")
        data = len(data).to_bytes(4, "big") + data
        while data:
            data = data[write(reply_fd, data):]

    def describe(e):
        try:
            text = str(e)
        except BaseException:
            text = ""
        return {"err": type(e).__name__, "msg": text[:500]}

    send({"ready": True, "seccomp": seccomp_error})
    job = receive()
    if job is None:
        return
    g = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        if job.get("setup"):
            exec(compile(job["setup"], "setup.py", "exec"), g)
        code = compile(job["program"], "solution.py", "exec")
        job = None
        exec(code, g)
    except BaseException as e:
        send(describe(e))
        return
    send({"ok": None})

    import collections
    refs = {}
    plain = (collections.Counter, collections.OrderedDict, collections.defaultdict, collections.deque)

    def encode(v, depth=0):
        if depth > 200:
            raise RecursionError("the value is nested too deeply")
        t = type(v)
        if v is None or t is bool or t is str:
            return v
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
        if t is set or t is frozenset:
            return {"s" if t is set else "S": [encode(x, depth + 1) for x in v]}
        if t is bytes or t is bytearray:
            return {"y" if t is bytes else "Y": v.hex()}
        if t is complex:
            return {"c": [repr(v.real), repr(v.imag)]}
        if t is range:
            return {"R": [v.start, v.stop, v.step]}
        if t in plain:
            tag = "C" if t is collections.Counter else "O" if t is collections.OrderedDict else "Q"
            items = v if t is collections.deque else [[k, x] for k, x in v.items()]
            return {tag: [encode(x, depth + 1) for x in items]}
        module = getattr(t, "__module__", "")
        if module == "fractions" and t.__name__ == "Fraction":
            return {"q": [str(v.numerator), str(v.denominator)]}
        if module == "decimal" and t.__name__ == "Decimal":
            return {"D": str(v)}
        # Subclasses of the builtin types and numpy-like values travel as their plain value.
        for base in (int, float, str, tuple, list, dict, set, frozenset, bytes, bytearray, complex):
            if isinstance(v, base):
                return encode(_as_base(base, v), depth + 1)
        if callable(getattr(v, "tolist", None)) and not isinstance(v, type):
            return encode(v.tolist(), depth + 1)
        ref = len(refs) + 1
        refs[ref] = v
        if isinstance(v, type(os)):
            return {"r": ref, "type": "module", "module": str(getattr(v, "__name__", ""))}
        return {"r": ref, "type": t.__name__}

    def _as_base(base, v):
        if base is int:
            return int.__index__(v)
        if base is float:
            return float.__float__(v)
        if base is str:
            return str.__str__(v)
        if base is complex:
            return complex(float.__float__(float(v.real)), float.__float__(float(v.imag)))
        if base is dict:
            return dict(dict.items(v))
        if base is bytes:
            return bytes(memoryview(v))
        if base is bytearray:
            return bytearray(memoryview(v))
        return base(base.__iter__(v))

    def decode(x):
        t = type(x)
        if x is None or t is bool or t is str:
            return x
        if t is list:
            return [decode(y) for y in x]
        (tag, value), = x.items()
        if tag == "i":
            return int(value)
        if tag == "f":
            return float(value)
        if tag == "t":
            return tuple(decode(y) for y in value)
        if tag == "d":
            return {decode(k): decode(y) for k, y in value}
        if tag in ("s", "S"):
            return (set if tag == "s" else frozenset)(decode(y) for y in value)
        if tag in ("y", "Y"):
            return (bytes if tag == "y" else bytearray).fromhex(value)
        if tag == "c":
            return complex(float(value[0]), float(value[1]))
        if tag == "R":
            return range(*value)
        if tag == "C":
            return collections.Counter({decode(k): decode(y) for k, y in value})
        if tag == "O":
            return collections.OrderedDict((decode(k), decode(y)) for k, y in value)
        if tag == "Q":
            return collections.deque(decode(y) for y in value)
        if tag == "q":
            import fractions
            return fractions.Fraction(int(value[0]), int(value[1]))
        if tag == "D":
            import decimal
            return decimal.Decimal(value)
        if tag == "r":
            return refs[value]
        if tag == "g":
            return g[value]
        raise ValueError("unknown value tag " + tag)

    while True:
        request = receive()
        if request is None:
            return
        try:
            op = request["op"]
            if op == "get":
                name = request["name"]
                if name not in g:
                    raise NameError("name '%s' is not defined" % name)
                value = g[name]
            else:
                target = refs[request["ref"]]
                if op == "attr":
                    value = getattr(target, request["name"])
                elif op == "call":
                    args = [decode(a) for a in request["args"]]
                    kwargs = {k: decode(a) for k, a in request["kwargs"].items()}
                    value = target(*args, **kwargs)
                elif op == "item":
                    value = target[decode(request["key"])]
                elif op == "list":
                    value = list(target)
                elif op == "len":
                    value = len(target)
                elif op == "bool":
                    value = bool(target)
                elif op == "contains":
                    value = decode(request["value"]) in target
                elif op == "str":
                    value = str(target)
                else:
                    raise ValueError("unknown request " + op)
            reply = {"ok": encode(value)}
        except BaseException as e:
            reply = describe(e)
        send(reply)


_main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
