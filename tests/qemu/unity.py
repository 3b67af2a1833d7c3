# SPDX-License-Identifier: BSD-3-Clause
"""Parses Unity-format test output (tests/unit/unity_reporter.cpp) from a console log.

    file:line:test_name:PASS
    file:line:test_name:FAIL: message
    file:line:test_name:IGNORE[: message]
    -----------------------
    N Tests N Failures N Ignored
    OK | FAIL

`check(text)` returns a Result; `Result.problems` lists everything that makes the
run a failure: a FAIL line, a missing or inconsistent summary, a final FAIL.
Usable as a command: `python3 unity.py LOGFILE [--blocks]` exits 1 on problems;
`python3 unity.py --run [EMULATOR ARGS...] BINARY` runs a doctest binary with
--reporters=unity and checks what it prints.
"""

import os
import re
import sys

_RESULT = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<name>[A-Za-z0-9_]+):"
                     r"(?P<status>PASS|FAIL|IGNORE)(?::\s?(?P<msg>.*))?$")
_SUMMARY = re.compile(r"^(\d+) Tests (\d+) Failures (\d+) Ignored$")
_BEGIN = re.compile(r"^HOTDESK-UNITY-BEGIN (\S+)$")
_END = re.compile(r"^HOTDESK-UNITY-END (\S+) rc=(\d+)$")


class Result:
    def __init__(self, name=""):
        self.name = name
        self.passed, self.failed, self.ignored = [], [], []
        self.summary = None      # (tests, failures, ignored)
        self.verdict = None      # "OK" | "FAIL"
        self.rc = None
        self.problems = []

    @property
    def ok(self):
        return not self.problems

    def __repr__(self):
        return "<unity %s: %d passed, %d failed, %d ignored, summary %s %s%s>" % (
            self.name, len(self.passed), len(self.failed), len(self.ignored), self.summary,
            self.verdict, "" if self.ok else " PROBLEMS: " + "; ".join(self.problems))


def _lines(text):
    for raw in text.splitlines():
        # serial consoles: CR LF, stray CRs, the odd kernel message
        yield raw.replace("\r", "").rstrip()


def check(text, name=""):
    """One Unity run's output (other lines are ignored)."""
    r = Result(name)
    after_summary = False
    for line in _lines(text):
        m = _RESULT.match(line)
        if m:
            entry = (m.group("file"), int(m.group("line")), m.group("name"), m.group("msg"))
            {"PASS": r.passed, "FAIL": r.failed, "IGNORE": r.ignored}[m.group("status")].append(entry)
            continue
        m = _SUMMARY.match(line)
        if m:
            r.summary = tuple(int(x) for x in m.groups())
            after_summary = True
            continue
        if after_summary and line in ("OK", "FAIL"):
            r.verdict = line
            after_summary = False
    for f in r.failed:
        r.problems.append("FAIL %s:%d %s: %s" % f)
    if r.summary is None:
        r.problems.append("no Unity summary line (crashed or cut short?)")
    else:
        tests, failures, ignored = r.summary
        counted = len(r.passed) + len(r.failed) + len(r.ignored)
        if tests != counted or failures != len(r.failed) or ignored != len(r.ignored):
            r.problems.append("summary %r does not match the %d result lines" % (r.summary, counted))
        if failures:
            r.problems.append("summary reports %d failures" % failures)
        if tests == 0:
            r.problems.append("no tests ran")
        if r.verdict is None:
            r.problems.append("no OK/FAIL line after the summary")
        elif r.verdict != ("OK" if failures == 0 else "FAIL"):
            r.problems.append("verdict %s contradicts the summary" % r.verdict)
    return r


def check_blocks(text, expected=None):
    """The guest's console: HOTDESK-UNITY-BEGIN/END blocks, one per test binary.
    Returns {name: Result}; a binary in `expected` without a complete block is a
    Result with a problem."""
    out = {}
    cur, buf = None, []
    for line in _lines(text):
        m = _BEGIN.search(line)
        if m:
            cur, buf = m.group(1), []
            continue
        m = _END.search(line)
        if m and cur == m.group(1):
            res = check("\n".join(buf), cur)
            res.rc = int(m.group(2))
            if res.rc != 0 and res.ok:
                res.problems.append("exit status %d" % res.rc)
            out[cur] = res
            cur = None
            continue
        if cur is not None:
            buf.append(line)
    if cur is not None:
        res = check("\n".join(buf), cur)
        res.problems.append("output ends inside the block (no HOTDESK-UNITY-END)")
        out[cur] = res
    for name in expected or ():
        if name not in out:
            res = Result(name)
            res.problems.append("no output at all")
            out[name] = res
    return out


def run(argv):
    """Run a test binary (through an emulator, e.g. qemu-arm-static -L SYSROOT) with
    --reporters=unity and check its output. Returns the exit code for ctest."""
    import subprocess
    cmd = list(argv) + ["--reporters=unity", "--no-colors=true"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    out = p.stdout.decode("utf-8", "replace")
    r = check(out, os.path.basename(argv[-1]))
    if p.returncode != 0 and r.ok:
        r.problems.append("exit status %d" % p.returncode)
    for f in r.failed:
        print("%s:%d:%s:FAIL: %s" % f)
    print(r)
    if not r.ok:
        sys.stdout.write("--- stderr (tail) ---\n" + p.stderr.decode("utf-8", "replace")[-3000:])
        return 1
    print("%d passed, 0 failed, %d skipped" % (len(r.passed), len(r.ignored)))
    return 0


def main(argv):
    if len(argv) > 2 and argv[1] == "--run":
        return run(argv[2:])
    text = open(argv[1], errors="replace").read()
    if "--blocks" in argv:
        results = check_blocks(text)
        if not results:
            print("unity: no HOTDESK-UNITY blocks in %s" % argv[1])
            return 1
    else:
        results = {"": check(text)}
    bad = 0
    for name, r in sorted(results.items()):
        print(r)
        bad += not r.ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
