#!/usr/bin/env python3
"""Out of memory anywhere, in our code or in a library's, ends with exit 0
or 75 and never with a signal; on 75, stdout is one well-formed line
"4.3.0 dmarc-pipe: <reason>", and stdin has been read to its end.  TAP.

Two ways of taking memory away, each from every point after main() on,
while a small and a 5,000-record report mail (large enough for the
readahead thread and pipelined chunks) are stored into a private Redis:
- RLIMIT_DATA at every level between the lowest that reaches main() and
  the lowest at which the delivery succeeds, in 16 KB steps;
- strace fault injection: mmap fails with ENOMEM and/or brk fails, from
  each memory system call after main() on.  glibc.malloc.top_pad=0 makes
  malloc ask the kernel in small steps, so there are many such points.

Between runs Redis is emptied, so each run stores the report anew, and
exit 0 must leave every record of the mail in the streams.
Skipped under sanitizers or a wrapper (their allocators differ) and
without prlimit's kernel support, strace or redis-server."""
import os, re, resource, shutil, subprocess, sys, tempfile, threading, time
from collections import Counter

LINE = re.compile(rb"\A4\.3\.0 dmarc-pipe: [\x20-\x7e]{1,400}\Z")
TIMEOUT_S = 60


class Redis:
    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "redis.sock")
        self.proc = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
                                      "--appendonly", "no", "--dir", tmp, "--logfile", self.sock + ".log"])
        for _ in range(200):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-s", self.sock] + list(args), capture_output=True, text=True)
        return r.stdout.strip()

    def stored(self):
        """Records in the three streams (default key_prefix)."""
        return sum(int(self.cli("XLEN", "{dmarc}:" + k) or 0) for k in ("records", "tlsrpt", "failures"))

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def run(cmd, path, limit=None, env=None):
    """Run cmd on path's bytes through a pipe: (exit status, stdout, whole input consumed)."""
    data = open(path, "rb").read()
    pre = (lambda: resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))) if limit else None
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         preexec_fn=pre, env=env)
    consumed = [False]

    def writer():
        try:
            p.stdin.write(data)
            p.stdin.close()
            consumed[0] = True
        except BrokenPipeError:
            pass
    t = threading.Thread(target=writer)
    t.start()
    out = p.stdout.read()
    rc = p.wait(timeout=TIMEOUT_S)
    t.join()
    return rc, out, consumed[0]


class Sweep:
    """One family of runs: counts outcomes, remembers the first few faults.
    want is the number of records a delivery stores: exit 0 must mean all of them."""
    def __init__(self, name, redis, want):
        self.name, self.runs, self.reasons, self.faults = name, 0, Counter(), []
        self.redis, self.want = redis, want

    def check(self, what, rc, out, consumed):
        self.runs += 1
        if rc == 0:
            self.reasons["exit 0"] += 1
            stored = self.redis.stored()
            if stored != self.want:
                self.faults.append("%s: exit 0 with %d records stored, not %d" % (what, stored, self.want))
        elif rc == 75 and LINE.match(out):
            self.reasons[out[len(b"4.3.0 dmarc-pipe: "):].strip().decode()] += 1
        else:
            self.faults.append("%s: exit %d, stdout %r" % (what, rc, out[:120]))
            return
        if rc == 75 and b"memory" in out.lower() and out != b"4.3.0 dmarc-pipe: out of memory":
            self.faults.append("%s: memory ran out, but the line says %r" % (what, out[:120]))
        if not consumed:
            self.faults.append("%s: exit %d without reading stdin to its end" % (what, rc))

    def report(self, n):
        ok = not self.faults and self.runs > 0
        print("%s %d - %s: %d runs, exit 0 (every record stored) or 75 with one 4.3.0 line, stdin read" %
              ("ok" if ok else "not ok", n, self.name, self.runs))
        for reason, count in self.reasons.most_common():
            print("#   %5d  %s" % (count, reason))
        for f in self.faults[:10]:
            print("#   FAULT %s" % f)


def lowest(pred, lo, hi):
    """The lowest limit in [lo, hi] for which pred holds, assuming it holds above it."""
    while hi - lo > 4096:
        mid = (lo + hi) // 2 // 4096 * 4096
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


def rlimit_sweep(sweep, program, conf, path, redis, step):
    reaches_main = lambda n: run([program, "--version"], os.devnull, n)[0] == 0
    delivers = lambda n: (redis.cli("FLUSHALL"), run([program, "-c", conf], path, n)[0] == 0)[1]
    start = lowest(reaches_main, 0, 256 << 20)
    end = lowest(delivers, start, 512 << 20)
    print("# %s: main() from %d KB, success from %d KB" % (sweep.name, start >> 10, end >> 10))
    for n in range(start, end + step, step):
        redis.cli("FLUSHALL")
        sweep.check("RLIMIT_DATA=%d" % n, *run([program, "-c", conf], path, n))


def strace_sweep(sweep, program, conf, path, redis, tmp):
    env = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.top_pad=0")
    trace = os.path.join(tmp, "trace")
    redis.cli("FLUSHALL")
    run(["strace", "-f", "-qq", "-o", trace, "-e", "trace=mmap,brk,rt_sigaction", program, "-c", conf],
        path, env=env)
    lines = open(trace).read().splitlines()
    main_pid = lines[0].split()[0]
    calls, in_main = [], False
    mmaps = brks = 0
    for line in lines:
        pid, call = line.split(None, 1)
        if pid != main_pid:
            continue
        # fatal_init() is the first thing main() does.
        if call.startswith("rt_sigaction(SIGABRT"):
            in_main = True
        elif call.startswith("mmap("):
            mmaps += 1
            if in_main:
                calls.append(("mmap", mmaps, brks + 1))
        elif call.startswith("brk("):
            brks += 1
            if in_main:
                calls.append(("brk", mmaps + 1, brks))
    print("# %s: %d memory system calls after main()" % (sweep.name, len(calls)))
    for kind, m, b in calls:
        for inject in (["-e", "inject=mmap:error=ENOMEM:when=%d+" % m],
                       ["-e", "inject=brk:retval=0:when=%d+" % b],
                       ["-e", "inject=mmap:error=ENOMEM:when=%d+" % m, "-e", "inject=brk:retval=0:when=%d+" % b]):
            redis.cli("FLUSHALL")
            cmd = ["strace", "-f", "-qq", "-o", "/dev/null"] + inject + [program, "-c", conf]
            sweep.check(" ".join(inject), *run(cmd, path, env=env))


def main():
    srcdir = os.environ.get("srcdir", ".")
    program = os.environ.get("DMARC_PIPE", os.path.join(os.getcwd(), "src", "dmarc-pipe"))
    if os.environ.get("DMARC_PIPE_WRAPPER") or os.environ.get("DP_SANITIZERS", "no") not in ("", "no"):
        print("1..0 # SKIP sanitizers and wrappers bring their own allocators")
        return 0
    for tool in ("strace", "redis-server", "redis-cli"):
        if not shutil.which(tool):
            print("1..0 # SKIP %s is not installed (tests/tools/install-deps installs it)" % tool)
            return 0
    fixtures = os.path.join(os.getcwd(), "tests", "build", "fixtures")
    print("1..4")
    with tempfile.TemporaryDirectory() as tmp:
        redis = Redis(tmp)
        try:
            conf = os.path.join(tmp, "conf")
            with open(conf, "w") as f:
                f.write("syslog = no\nredis_socket = %s\nredis_chunk_records = 200\n" % redis.sock)
            large = os.path.join(tmp, "large.eml")
            subprocess.run([sys.executable, os.path.join(srcdir, "tests", "tools", "make-fixtures"), "--synthetic",
                            "5000", "oom-5000", large], check=True)
            # A small mail with one report of each kind: aggregate (zip), TLS (gzip), failure.
            small = os.path.join(fixtures, "mail-three-kinds.eml")
            n = 0
            for name, path, step, want in (("three-kinds mail", small, 16384, 5), ("5,000-record mail", large, 16384, 5000)):
                s = Sweep("RLIMIT_DATA, " + name, redis, want)
                rlimit_sweep(s, program, conf, path, redis, step)
                n += 1
                s.report(n)
                s = Sweep("strace ENOMEM injection, " + name, redis, want)
                strace_sweep(s, program, conf, path, redis, tmp)
                n += 1
                s.report(n)
        finally:
            redis.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
