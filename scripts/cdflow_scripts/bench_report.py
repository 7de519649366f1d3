"""The bench's arithmetic and presentation: medians per configuration, ratios to `no_agent`, the tables (Markdown,
printed and kept in docs/performance.md) and the CI gate."""
import re
import statistics

BASELINE = "no_agent"
TARGET_THROUGHPUT_RATIO = 0.98
TARGET_P99_RATIO = 1.05
NOISY_OTHER_CORES = 0.25
DOCS_BEGIN = "<!-- bench-results:begin (scripts/bench --update-docs rewrites this block) -->"
DOCS_END = "<!-- bench-results:end -->"

# metric -> how to read it from one successful run
METRICS = {
    "ops_per_s": lambda r: r["loadgen"]["ops_per_s"],
    "p50_ms": lambda r: r["loadgen"]["p50_us"] / 1000,
    "p99_ms": lambda r: r["loadgen"]["p99_us"] / 1000,
    "p999_ms": lambda r: r["loadgen"]["p999_us"] / 1000,
    "errors": lambda r: r["loadgen"]["errors"],
    "node_cpu_us_per_op": lambda r: r["node"]["node_cpu_seconds"] * 1e6 / max(r["loadgen"]["ops"], 1),
    "node_cpu_cores": lambda r: r["node"]["node_cpu_cores"],
    "loadgen_cpu_cores": lambda r: r["node"]["loadgen_cpu_cores"],
    "other_cpu_cores": lambda r: r["node"]["other_cpu_cores"],
    "rss_max_mib": lambda r: r["node"]["rss_max_mib"],
    "rss_end_mib": lambda r: r["node"]["rss_end_mib"],
    "heap_live_mib": lambda r: r["node"]["heap_live_mib"],
    "start_seconds": lambda r: r["start_seconds"],
}
RATIOS = ["ops_per_s", "p50_ms", "p99_ms", "p999_ms", "node_cpu_us_per_op"]


def ok_runs(runs, name):
    return [r for r in runs if r["config"] == name and "error" not in r]


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def summarize(runs, names):
    """Per configuration: medians of every metric, throughput range, ratios of medians to no_agent, the
    median of per-round (paired) throughput ratios, and the agent's counters."""
    summary = {}
    for name in names:
        good = ok_runs(runs, name)
        entry = {"runs": len(good), "failed": sum(1 for r in runs if r["config"] == name and "error" in r)}
        for metric, read in METRICS.items():
            entry[metric] = median(read(r) for r in good)
        throughput = [r["loadgen"]["ops_per_s"] for r in good]
        entry["ops_per_s_min"] = min(throughput, default=None)
        entry["ops_per_s_max"] = max(throughput, default=None)
        entry["loadgen_errors_total"] = sum(r["loadgen"]["errors"] for r in good)
        agents = [r["agent"] for r in good if r.get("agent")]
        if agents:
            entry["agent"] = {
                "events_seen": sum(a["agent_events_seen"] for a in agents),
                # None (unknown) when any run's accounting is unknown: a loss is never reported as 0
                "dropped": None if any(a["dropped"] is None for a in agents) else sum(a["dropped"] for a in agents),
                "drop_causes": {cause: sum(a.get("drop_causes", {}).get(cause, 0) for a in agents)
                                for cause in sorted({c for a in agents for c in a.get("drop_causes", {})})},
                "written": sum(a["written"] for a in agents),
                "drop_ratio_max": None if any(a["drop_ratio"] is None for a in agents)
                else max(a["drop_ratio"] for a in agents),
                "events_per_write": median(a.get("events_per_write") for a in agents),
            }
        entry["thread_cpu_us_per_op"] = thread_cpu_per_op(good)
        summary[name] = entry
    base = summary.get(BASELINE, {})
    for name, entry in summary.items():
        entry["ratio"] = {m: ratio(entry[m], base.get(m)) for m in RATIOS}
        entry["rss_max_delta_mib"] = round(entry["rss_max_mib"] - base["rss_max_mib"], 1) \
            if entry["rss_max_mib"] is not None and base.get("rss_max_mib") is not None else None
        entry["paired_throughput_ratio"] = median(paired_ratios(runs, name))
    return summary


def thread_cpu_per_op(runs):
    """Median over runs of the node's CPU µs per operation, per thread group (bench_probe.THREAD_GROUPS)."""
    per_run = [{g: v * 1e6 / max(r["loadgen"]["ops"], 1) for g, v in r["node"].get("thread_cpu_seconds", {}).items()}
               for r in runs]
    groups = sorted({g for run in per_run for g in run})
    return {g: median(run.get(g, 0.0) for run in per_run) for g in groups}


def paired_ratios(runs, name):
    """Throughput of `name` over no_agent within the same round (rounds interleave, so drift cancels)."""
    base = {r["round"]: r["loadgen"]["ops_per_s"] for r in ok_runs(runs, BASELINE)}
    return [r["loadgen"]["ops_per_s"] / base[r["round"]] for r in ok_runs(runs, name) if base.get(r["round"])]


def fmt(value, digits=1, suffix=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def times(value):
    return fmt(value, 2, "×")


def tables(results):
    summary = results["summary"]
    lines = ["| configuration | runs | ops/s (median) | ops/s range | × no_agent | p50 ms | × | p99 ms | × "
             "| p99.9 ms | × | errors |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for name, s in summary.items():
        r = s["ratio"]
        failed = f" ({s['failed']} failed)" if s["failed"] else ""
        spread = f"{fmt(s['ops_per_s_min'], 0)}–{fmt(s['ops_per_s_max'], 0)}" if s["runs"] else "–"
        lines.append(f"| {name} | {s['runs']}{failed} | {fmt(s['ops_per_s'], 0)} | {spread} | {times(r['ops_per_s'])} "
                     f"| {fmt(s['p50_ms'], 2)} | {times(r['p50_ms'])} | {fmt(s['p99_ms'], 1)} | {times(r['p99_ms'])} "
                     f"| {fmt(s['p999_ms'], 1)} | {times(r['p999_ms'])} | {s['loadgen_errors_total']} |")
    lines += ["", "| configuration | node CPU µs/op | × | node cores | loadgen cores | other cores (noise) "
              "| RSS max MiB | Δ RSS MiB | live heap MiB | start s | agent events | dropped |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for name, s in summary.items():
        agent = s.get("agent")
        events = f"{agent['events_seen']:,} ({agent['events_per_write']}/write)" if agent else "–"
        dropped = "–" if not agent else "unknown" if agent["dropped"] is None else (
            f"{agent['dropped']:,} ({agent['drop_ratio_max']:.2%} max)"
            + "".join(f", {cause} {n:,}" for cause, n in agent.get("drop_causes", {}).items() if n))
        lines.append(f"| {name} | {fmt(s['node_cpu_us_per_op'], 0)} | {times(s['ratio']['node_cpu_us_per_op'])} "
                     f"| {fmt(s['node_cpu_cores'], 2)} | {fmt(s['loadgen_cpu_cores'], 2)} "
                     f"| {fmt(s['other_cpu_cores'], 2)} | {fmt(s['rss_max_mib'], 0)} "
                     f"| {fmt(s['rss_max_delta_mib'], 0)} | {fmt(s['heap_live_mib'], 0)} "
                     f"| {fmt(s['start_seconds'], 1)} | {events} | {dropped} |")
    groups = sorted({g for s in summary.values() for g in s.get("thread_cpu_us_per_op", {})})
    if groups:
        lines += ["", "Node CPU µs per operation by thread group (median over runs; `other` is every thread not "
                  "named in a group):", "",
                  "| configuration | " + " | ".join(groups) + " |", "|---|" + "--:|" * len(groups)]
        for name, s in summary.items():
            per_group = s.get("thread_cpu_us_per_op", {})
            lines.append(f"| {name} | " + " | ".join(fmt(per_group.get(g), 1) for g in groups) + " |")
    return "\n".join(lines)


def verdict(results):
    summary = results["summary"]
    lines = []
    on = summary.get("agent_on")
    if on and on["runs"]:
        t, p = on["ratio"]["ops_per_s"], on["ratio"]["p99_ms"]
        lines.append(f"- agent_on throughput ÷ no_agent = {times(t)} (paired per round: "
                     f"{times(on['paired_throughput_ratio'])}); target ≥ {TARGET_THROUGHPUT_RATIO}: "
                     f"**{met(t is not None and t >= TARGET_THROUGHPUT_RATIO)}**")
        lines.append(f"- agent_on p99 ÷ no_agent = {times(p)}; target ≤ {TARGET_P99_RATIO}: "
                     f"**{met(p is not None and p <= TARGET_P99_RATIO)}**")
    costs = [f"{name} {cost(s['ratio']['ops_per_s'])} throughput, p99 {times(s['ratio']['p99_ms'])}"
             for name, s in summary.items() if name != BASELINE and s["runs"]]
    if costs:
        lines.append("- against no_agent: " + "; ".join(costs))
    noise = max((s["other_cpu_cores"] or 0 for s in summary.values()), default=0)
    if noise > NOISY_OTHER_CORES:
        lines.append(f"- ⚠ other processes used up to {noise:.2f} cores (median of a configuration) while the "
                     "load ran: the ratios carry that noise; node CPU µs/op is the least affected measure")
    return "\n".join(lines)


def met(ok):
    return "met" if ok else "missed"


def cost(r):
    return "–" if r is None else f"{(r - 1) * 100:+.1f} %"


def header(results):
    m, s = results["machine"], results["settings"]
    return "\n".join([
        f"Run {results['finished']} (git {results['git']}, Cassandra {results['cassandra']}, node heap "
        f"{results['heap']}, agent jar sha256 {results['agent_jar_sha256'] or '–'}, "
        f"{results.get('agent_jar_source', 'built from this tree')}"
        + (f"; agent_ref: sha256 {results['reference_jar_sha256']}, {results['reference_jar_source']}"
           if results.get("reference_jar_sha256") else "") + ").",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, kernel {m['kernel']}, "
        f"{m['java']} ({m['java_runtime']}).",
        f"Load: {s['workload']}, {s['concurrency']} in flight, "
        f"{'saturating' if not s['rate'] else str(s['rate']) + ' ops/s'}, {s['warmup']:g} s warm-up + "
        f"{s['seconds']:g} s measured per run, {s['rounds']} round(s), fresh node per run, medians shown.",
        f"Command: `{results['command']}`",
    ])


def render(results):
    return "\n\n".join([header(results), tables(results), verdict(results)])


def log_run(run, log):
    if "error" in run:
        return
    lg, node = run["loadgen"], run["node"]
    agent = run.get("agent") or {}
    log(f"  {run['config']}: {lg['ops_per_s']:,.0f} ops/s, p50 {lg['p50_us'] / 1000:.2f} ms, "
        f"p99 {lg['p99_us'] / 1000:.1f} ms, errors {lg['errors']}, node {node['node_cpu_cores']} cores, "
        f"other {node['other_cpu_cores']} cores, RSS max {node['rss_max_mib']} MiB"
        + (f", agent seen {agent['agent_events_seen']:,} dropped {agent['dropped']}"
           + "".join(f" {cause}={n}" for cause, n in agent.get("drop_causes", {}).items() if n) if agent else ""))


def update_docs(results, path):
    text = path.read_text()
    block = f"{DOCS_BEGIN}\n{render(results)}\n{DOCS_END}"
    pattern = re.compile(re.escape(DOCS_BEGIN) + ".*?" + re.escape(DOCS_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no results block ({DOCS_BEGIN} ... {DOCS_END})")
    path.write_text(pattern.sub(lambda _: block, text))


def gate(results, min_throughput_ratio, max_drop_ratio):
    """Problems that mean something is badly broken (never noise); empty when all is well."""
    problems = []
    for run in results["runs"]:
        where = f"{run['config']} round {run['round']}"
        if "error" in run:
            problems.append(f"{where} failed: {run['error'][:300]}")
            continue
        if run["loadgen"]["errors"]:
            problems.append(f"{where}: {run['loadgen']['errors']} load generator errors "
                            f"({run['loadgen']['first_error']})")
        if run["config"] == "agent_on":
            log_lines = run["evidence"].get("agent_log", [])
            if not any(line.startswith("cdflow-agent: enabled") for line in log_lines):
                problems.append(f"{where}: the agent did not start: {log_lines[:1]}")
            agent = run.get("agent")
            if not agent or not agent["agent_events_seen"]:
                problems.append(f"{where}: no agent_stats with events in the lineage")
            elif agent["drop_ratio"] is None:
                problems.append(f"{where}: the agent's accounting is unknown (a counter is missing)")
            elif agent["drop_ratio"] > max_drop_ratio:
                problems.append(f"{where}: the agent dropped {agent['drop_ratio']:.1%} of its events")
    on = results["summary"].get("agent_on")
    if on and on["runs"]:
        r = on["ratio"]["ops_per_s"]
        if r is None or r < min_throughput_ratio:
            problems.append(f"agent_on throughput is {times(r)} of no_agent (gate: ≥ {min_throughput_ratio:.2f}×)")
    return problems
