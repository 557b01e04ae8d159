#!/usr/bin/env python3
"""Renders docs/reliability.md from the rows the Reliability tests recorded and the tests' trx results.

Rows: one JSON object per line ({"area", "check", "result", "test", "time"}), written by ReliabilityReport.Record
(tests/Vireo.Integration.Tests/Support/ReliabilityReport.cs) once a test's assertions have passed. Results: the trx
files of `dotnet test --filter Category=Reliability`. A row's test is joined to its outcome by method name; a test that
failed recorded no row (or only its first ones), so it gets a FAILED row of its own with its error; a test that passed
without recording gets a row saying so. Python 3 standard library only.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import subprocess
import xml.etree.ElementTree as ET

AREAS = ["undo", "crash", "fault", "confinement", "fuzz", "load"]


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def method_of(test_name):
    """Ns.Class.Method(arg: 1) -> Method"""
    return test_name.split("(", 1)[0].rsplit(".", 1)[-1]


def read_trx(directory):
    """{method: [(full name, outcome, duration s, message)]} over every trx file in the directory."""
    tests = {}
    for path in sorted(glob.glob(os.path.join(directory, "**", "*.trx"), recursive=True)):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        ns = {"t": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {}
        q = (lambda tag: "t:" + tag) if ns else (lambda tag: tag)
        for r in root.iter(("{%s}" % ns["t"] if ns else "") + "UnitTestResult"):
            name = r.get("testName", "")
            outcome = r.get("outcome", "Unknown")
            duration = r.get("duration", "")
            seconds = 0.0
            m = re.match(r"(\d+):(\d+):([\d.]+)", duration)
            if m:
                seconds = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
            message = ""
            msg = r.find(".//" + q("Message"), ns)
            if msg is not None and msg.text:
                message = msg.text.strip()
            tests.setdefault(method_of(name), []).append((name, outcome, seconds, message))
    return tests


def read_rows(path):
    rows = []
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    rows.append({"area": "?", "check": "unreadable row", "result": line[:200], "test": ""})
    return rows


def cell(text, limit=600):
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def humanise(method):
    return method.replace("_", " ")


def accel():
    """KVM or TCG, decided as vireod decides it (src/Vireo.Host/KvmProbe.cs)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
        os.close(fd)
    except OSError as e:
        return "TCG", f"/dev/kvm cannot be opened read-write ({e.strerror}): QEMU emulates the CPU, so guests are much slower and timings are not those of a KVM host"

    def module(name):
        return os.path.exists(f"/sys/module/{name}")
    if module("kvm_pvm") and not module("kvm_intel") and not module("kvm_amd"):
        return "TCG", "/dev/kvm is kvm_pvm's (PVM boots only kernels built for it), so VMs run under TCG: guests are much slower and timings are not those of a KVM host"
    return "KVM", "/dev/kvm opens read-write: QEMU runs guests with KVM"


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    os_name = ""
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            os_name = next((l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("PRETTY_NAME=")), "")
    except OSError:
        pass
    qemu = sh("qemu-system-x86_64", "--version").splitlines()
    return [
        ("Host", platform.node()),
        ("CPU", f"{cpu} ({os.cpu_count()} logical CPUs)"),
        ("Memory", mem),
        ("OS", f"{os_name}, kernel {platform.release()}"),
        ("QEMU", qemu[0] if qemu else "not found"),
        (".NET SDK", sh("dotnet", "--version") or "not found"),
    ]


def reliability_methods(tests_dir):
    """Names of the test methods that carry [Trait("Category", "Reliability")] in the test sources."""
    names = set()
    pattern = re.compile(r'\[Trait\("Category",\s*"Reliability"\)\][^{;]*?\b(?:void|Task)\s+(\w+)\s*\(', re.S)
    for path in glob.glob(os.path.join(tests_dir, "**", "*.cs"), recursive=True):
        if "/bin/" in path or "/obj/" in path:
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        names.update(pattern.findall(text))
        # On the class: every [Fact] and [Theory] of the file.
        if re.search(r'\[Trait\("Category",\s*"Reliability"\)\]\s*(?:\[[^\]]*\]\s*)*(?:public|internal)?\s*(?:sealed\s+)?class\b', text):
            names.update(re.findall(r'\[(?:Fact|Theory)[^\]]*\][^{;]*?\b(?:void|Task)\s+(\w+)\s*\(', text, re.S))
    return names


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", required=True)
    p.add_argument("--trx-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--long", action="store_true")
    p.add_argument("--seconds", type=float, default=0)
    p.add_argument("--note", action="append", default=[])
    p.add_argument("--reliability-only", action="store_true",
                   help="the trx files are of a whole suite (bash .ci/run): keep the tests marked Category=Reliability")
    a = p.parse_args()

    rows = read_rows(a.rows)
    tests = read_trx(a.trx_dir)
    if a.reliability_only:
        marked = reliability_methods(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        tests = {m: r for m, r in tests.items() if m in marked}
    table = []
    recorded = set()
    for r in rows:
        method = r.get("test", "")
        recorded.add(method)
        outcomes = [o for (_, o, _, _) in tests.get(method, [])]
        if not outcomes:
            verdict = "pass (no trx result)"
        elif all(o == "Passed" for o in outcomes):
            verdict = "pass"
        else:
            verdict = "**FAILED**"
        table.append((r.get("area", "?"), r.get("check", ""), r.get("result", ""), method, verdict))
    for method, results in sorted(tests.items()):
        if method in recorded:
            continue
        for (name, outcome, seconds, message) in results:
            if outcome == "Passed":
                table.append(("?", humanise(method), f"passed in {seconds:.0f} s but recorded no figures", method, "pass"))
            elif outcome == "NotExecuted":
                table.append(("?", humanise(method), "skipped: " + (message or "not run"), method, "skipped"))
            else:
                first = message.splitlines()[0] if message else outcome
                table.append(("?", humanise(method), f"{outcome}: {first}", method, "**FAILED**"))

    order = {area: i for i, area in enumerate(AREAS)}
    table.sort(key=lambda t: (order.get(t[0], len(AREAS)), t[3]))
    failed = sum(1 for t in table if "FAILED" in t[4])
    all_results = [o for results in tests.values() for (_, o, _, _) in results]
    mode, why = accel()

    commit = sh("git", "rev-parse", "--short=12", "HEAD") or "unknown"
    if sh("git", "status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    out = []
    out.append("# Reliability report")
    out.append("")
    out.append("Every fault injected, load held, input fuzzed and confinement check of Vireo's reliability tests, with what it")
    out.append("measured. Generated by `bash tests/reliability/run.sh" + (" --long" if a.long else "") + "`; do not edit by hand, rerun it.")
    out.append("")
    out.append(f"- Date: {now}")
    out.append(f"- Commit: {commit}")
    out.append(f"- Accelerator: **{mode}**: {why}")
    for k, v in machine():
        out.append(f"- {k}: {v}")
    out.append(f"- Mode: {'long (VIREO_LONG=1: longer soaks and fuzz runs)' if a.long else 'CI bounds (run with --long for the longer soaks and fuzz runs)'}")
    out.append(f"- Tests: {sum(1 for o in all_results if o == 'Passed')} passed, "
               f"{sum(1 for o in all_results if o not in ('Passed', 'NotExecuted'))} failed, "
               f"{sum(1 for o in all_results if o == 'NotExecuted')} skipped"
               + (f", in {a.seconds / 60:.1f} min" if a.seconds else ""))
    out.append("")
    out.append("| Area | Check | Result | Test | Pass/fail |")
    out.append("|---|---|---|---|---|")
    for area, check, result, method, verdict in table:
        out.append(f"| {cell(area)} | {cell(check)} | {cell(result)} | `{cell(method, 200)}` | {verdict} |")
    if not table:
        out.append("| - | no reliability test ran | - | - | **FAILED** |")
    out.append("")
    out.append("## Notes")
    out.append("")
    out.append("- A row is written by a test only once its assertions have passed (`ReliabilityReport.Record`); a test that failed")
    out.append("  shows as **FAILED** with the first line of its error, and its area as `?` when it recorded nothing.")
    out.append("- Timings come from the machine above; under TCG they are upper bounds of what a KVM host shows.")
    out.append("- Tests are those with `[Trait(\"Category\", \"Reliability\")]` in every test project; `--long` sets `VIREO_LONG=1`.")
    for n in a.note:
        out.append(f"- {n}")
    if failed:
        out.append(f"- **{failed} row(s) failed.**")
    out.append("")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"render: {len(table)} rows, {failed} failed -> {a.out}")
    return 1 if failed or not table else 0


if __name__ == "__main__":
    raise SystemExit(main())
