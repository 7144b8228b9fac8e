#!/usr/bin/env python3
"""Writes the measured figures into each lab's README, between its markers

    <!-- results:begin -->
    <!-- results:end -->

from the result files in labs/results/: the lab's reference run (labs/results/labs/NN-name.json,
made by `c10k_lab solve NN && c10k_lab check NN --json`), and for labs 08-10 the memory and
compare experiments. Every figure a lab quotes comes from there, with the machine it was
measured on.

    scripts/lab-results.py           # rewrite the blocks
    scripts/lab-results.py --check   # exit 1 if a block is not what the results say (the tests run it)
"""
import json
import os
import re
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABS = os.path.join(ROOT, "labs")
RESULTS = os.path.join(LABS, "results")
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def load(path):
    with open(os.path.join(RESULTS, path)) as file:
        return json.load(file)


def figure(value):
    if value is None:
        return ""
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    return f"{value:,.2f}"


def machine(fingerprint):
    return (f"{fingerprint['cpu_model']} ({fingerprint['cpus']} CPUs), Linux {fingerprint['kernel']}, "
            f"cgroup {fingerprint['cgroup_version']}, build {fingerprint['build']}, {fingerprint['date'][:10]}")


def mib(value):
    return f"{value // 1048576} MiB" if value % 1048576 == 0 else f"{value / 1048576:.1f} MiB"


def reference_run(folder):
    path = f"labs/{folder}.json"
    if not os.path.exists(os.path.join(RESULTS, path)):
        return None, []
    report = load(path)
    lines = ["| step | what the check measured | figure |", "| --- | --- | --- |"]
    for step in report["steps"]:
        value = f"{figure(step.get('measured'))} {step.get('unit') or ''}".strip() or "—"
        lines.append(f"| {step['number']}. {step['title']} | {step['text'].replace('|', '/')} | {value} |")
    lines.append("")
    lines.append(f"From [`labs/results/{path}`](../results/{path}): `./c10k_lab solve {folder[:2]}` then "
                 f"`./c10k_lab check {folder[:2]} --json`, on {machine(report['fingerprint'])}. "
                 "Your checks are graded against these figures.")
    return report, lines


def memory_rows(names):
    lines = ["| experiment | failed | connections held | cgroup memory per connection | RSS per connection | peak |",
             "| --- | --- | --- | --- | --- | --- |"]
    fingerprint = None
    for name in names:
        path = f"memory/{name}/result.json"
        if not os.path.exists(os.path.join(RESULTS, path)):
            continue
        result = load(path)
        fingerprint = result["fingerprint"]
        failure = result.get("failure")
        failed = f"{failure['mode'].replace('_', ' ')} at {figure(failure['at_connections'])}" if failure else "no"
        peaks = [s["cgroup"].get("memory_peak") or 0 for s in result["samples"]]
        end = result.get("server_end") or {}
        peak = max(peaks + [end.get("peak_memory_bytes") or 0])
        per = result.get("bytes_per_connection")
        rss = result.get("rss_bytes_per_connection")
        lines.append(f"| [`{result['server']}` under {mib(result['memory_limit_bytes'])}, {result['request']}]"
                     f"(../results/{path}) | {failed} | {figure(result['held_connections'])} | "
                     f"{figure(per) + ' B' if per is not None else ''} | {figure(rss) + ' B' if rss is not None else ''} | "
                     f"{mib(peak)} |")
    if fingerprint is None:
        return []
    lines.append("")
    lines.append(f"From `c10k_lab experiment memory` (`make reference-results`), on {machine(fingerprint)}.")
    return lines


def compare_rows():
    path = "compare/compare.json"
    if not os.path.exists(os.path.join(RESULTS, path)):
        return []
    result = load(path)
    most = max(row["clients"] for row in result["rows"])
    lines = [f"At {figure(most)} clients, {result['request']}, every server on CPU "
             f"{result['fingerprint']['server_cpus']} under {mib(result['memory_limit_bytes'])}:", "",
             "| server | req/s | p99 ms | errors | threads | RSS | involuntary switches | kernel CPU s | µs/request |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in result["rows"]:
        if row["clients"] != most:
            continue
        failed = f" ({row['server_failed']})" if row.get("server_failed") else ""
        lines.append(f"| `{row['server']}` | {figure(row['throughput_rps'])} | {figure(row['p99_ms'])} | "
                     f"{figure(row['errors'])}{failed} | {figure(row['threads'])} | {mib(row['rss_bytes'])} | "
                     f"{figure(row['involuntary_switches'])} | {figure(row['system_seconds'])} | "
                     f"{figure(row.get('cpu_microseconds_per_request'))} |")
    lines.append("")
    lines.append(f"From [`labs/results/{path}`](../results/{path}) (`{result['how']}`), on "
                 f"{machine(result['fingerprint'])}; every client count is in the file.")
    return lines


EXTRA = {
    "08-memory-limits": lambda: memory_rows(["multithreaded-64m", "epoll-64m", "multithreaded-256m", "epoll-256m"]),
    "09-what-a-connection-costs": lambda: memory_rows(["epoll-256m", "epoll-64m", "reactor-256m", "coro-256m", "nio-256m"]),
    "10-compare": compare_rows,
}


def block(folder):
    _, lines = reference_run(folder)
    extra = EXTRA.get(folder, lambda: [])()
    if extra:
        lines = lines + ([""] if lines else []) + extra
    if not lines:
        lines = ["No reference results yet: `make reference-results` measures them."]
    wrapped = []
    for line in lines:  # tables stay whole; prose is wrapped as the READMEs are
        wrapped += [line] if line.startswith("|") or not line else textwrap.wrap(line, 100, break_on_hyphens=False, break_long_words=False)
    return "\n".join([BEGIN, "", *wrapped, "", END])


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for folder in sorted(os.listdir(LABS)):
        readme = os.path.join(LABS, folder, "README.md")
        if not re.match(r"\d\d-", folder) or not os.path.exists(readme):
            continue
        with open(readme) as file:
            text = file.read()
        if BEGIN not in text or END not in text:
            stale.append(f"{readme}: no {BEGIN} … {END} block")
            continue
        start, end = text.index(BEGIN), text.index(END) + len(END)
        updated = text[:start] + block(folder) + text[end:]
        if updated != text:
            if check:
                stale.append(f"{readme}: its results block is not what labs/results says: run scripts/lab-results.py")
            else:
                with open(readme, "w") as file:
                    file.write(updated)
                print(f"updated {os.path.relpath(readme, ROOT)}")
    for line in stale:
        print(line, file=sys.stderr)
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
