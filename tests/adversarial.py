#!/usr/bin/env python3
"""Hostile inputs (tests/tools/make-adversarial): each must end with exit 0, the
expected status and reason, nothing emitted from refused input, no file
content leaked, within 5 s of CPU and 64 MB of RSS.  TAP.

Under sanitizers (DP_SANITIZERS=address or thread) or a wrapper such as valgrind
(DMARC_PIPE_WRAPPER) the CPU and RSS bounds are not checked: those tools
cost both."""
import json, os, re, shlex, subprocess, sys, tempfile, time

CPU_LIMIT_S = 5.0
RSS_LIMIT_KB = 64 * 1024
WALL_TIMEOUT_S = 120


def main():
    srcdir = os.environ.get("srcdir", ".")
    program = os.environ.get("DMARC_PIPE", os.path.join(os.getcwd(), "src", "dmarc-pipe"))
    wrapper = shlex.split(os.environ.get("DMARC_PIPE_WRAPPER", ""))
    bounded = not wrapper and os.environ.get("DP_SANITIZERS", "no") in ("", "no")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(srcdir, "tests", "tools", "make-adversarial"),
                        os.path.join(srcdir, "tests", "data"), tmp], check=True)
        cases = [l.rstrip("\n").split("\t") for l in open(os.path.join(tmp, "cases.tsv"))]
        print("1..%d" % len(cases))
        for n, (name, want_status, want_reason) in enumerate(cases, 1):
            why = run_case(wrapper, program, os.path.join(tmp, name), want_status, want_reason, bounded)
            print(("ok %d - %s" % (n, name)) if not why[0] else ("not ok %d - %s: %s" % (n, name, why[0])))
            print("# %s" % why[1])
    return 0


def run_case(wrapper, program, path, want_status, want_reason, bounded):
    started = time.monotonic()
    with open(path, "rb") as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(wrapper + [program, "--dry-run", "--ndjson", "-"], stdin=stdin, stdout=out, stderr=err)
        deadline = started + WALL_TIMEOUT_S
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                return "no exit after %d s" % WALL_TIMEOUT_S, ""
            time.sleep(0.01)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode("utf-8", "replace")
    rc = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    summary = next((l for l in stderr.splitlines() if "event=summary" in l), "")
    m = re.search(r'status=(\w+) reason="((?:[^"\\]|\\.)*)"', summary)
    status, reason = (m.group(1), m.group(2)) if m else ("?", "")
    facts = "exit %d, %s, reason %r, %.2f s CPU, %.2f s wall, %d KB RSS" % (rc, status, reason, cpu, wall,
                                                                          usage.ru_maxrss)
    problems = []
    if rc != 0:
        problems.append("exit status %d" % rc)
    if want_status != "any" and status != want_status:
        problems.append("status %s, want %s" % (status, want_status))
    if want_reason != "-" and want_reason not in reason:
        problems.append("reason lacks %r" % want_reason)
    lines = stdout.splitlines()
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            problems.append("stdout line is not JSON")
            break
    if status == "rejected" and lines:
        problems.append("%d records emitted from refused input" % len(lines))
    if b"root:x:0:0" in stdout or "root:x:0:0" in stderr:
        problems.append("/etc/passwd leaked")
    if any(ord(c) < 0x20 and c not in "\n" for c in stderr):
        problems.append("raw control character in the log")
    if bounded and cpu > CPU_LIMIT_S:
        problems.append("%.2f s CPU > %.0f s" % (cpu, CPU_LIMIT_S))
    if bounded and usage.ru_maxrss > RSS_LIMIT_KB:
        problems.append("%d KB RSS > %d KB" % (usage.ru_maxrss, RSS_LIMIT_KB))
    return "; ".join(problems), facts


if __name__ == "__main__":
    sys.exit(main())
