"""scripts/bench: the end-to-end overhead bench.

For R rounds, each configuration (no agent, agent on, agent loaded but disabled, Cassandra tracing at
probability 1.0, audit logging) runs on a FRESH single node: start, warm-up and measured load from the Java
load generator (tests/bench/loadgen), node memory and CPU from /proc, heap from jcmd, stop, agent counters
from the lineage Parquet. The order of configurations rotates every round. Medians per configuration and
their ratios to `no_agent` are printed and written to bench-results/bench-<utc>.json; --update-docs also
rewrites the results block of docs/performance.md.
"""
import argparse
import dataclasses
import hashlib
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from cdflow_scripts import bench_probe, bench_report, build, cassandra_dist, cluster  # noqa: E402
from cdflow_scripts.paths import AGENT_JAR, REPO, RUN  # noqa: E402

LOADGEN_DIR = REPO / "tests" / "bench" / "loadgen"
LOADGEN_JAR = LOADGEN_DIR / "target" / "cdflow-loadgen.jar"
BENCH_DIR = RUN / "bench"
RESULTS_DIR = REPO / "bench-results"

# gross regressions only (the smoke run is seconds long and shares 2 cores with its load generator)
GATE_MIN_THROUGHPUT_RATIO = 1 / 3
GATE_MAX_DROP_RATIO = 0.5


@dataclasses.dataclass(frozen=True)
class Config:
    name: str
    what: str
    agent: bool = False
    agent_opts: str = ""
    nodetool: tuple = ()  # commands run once the node serves, before the load
    reference: bool = False  # runs the --reference-jar build of the agent instead of this tree's


CONFIGS = {c.name: c for c in [
    Config("no_agent", "Cassandra alone: the baseline"),
    Config("agent_on", "cdflow agent recording lineage", agent=True),
    Config("agent_ref", "cdflow agent recording lineage, the --reference-jar build (side-by-side comparison)",
           agent=True, reference=True),
    Config("agent_disabled", "cdflow agent loaded with enabled=false", agent=True, agent_opts="enabled=false"),
    Config("tracing", "no agent; nodetool settraceprobability 1.0", nodetool=(("settraceprobability", "1.0"),)),
    Config("audit", "no agent; nodetool enableauditlog --logger BinAuditLogger",
           nodetool=(("enableauditlog", "--logger", "BinAuditLogger"),)),
]}


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=60,
                        help="warm-up seconds per run: on 2 cores a fresh node's throughput climbs for 45-60 s (JIT)")
    parser.add_argument("--concurrency", type=int, default=128, help="requests in flight")
    parser.add_argument("--rate", type=float, default=0, help="fixed ops/s instead of saturating (0 = saturate)")
    parser.add_argument("--workload", choices=["insert", "mixed", "tiny", "wide"], default="insert",
                        help="write shape: insert (pk, ck, 100-byte blob), mixed (10%% row deletes), tiny (one bigint "
                             "column), wide (a 10-column row)")
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help=f"comma-separated, from: {', '.join(CONFIGS)} (no_agent is always added)")
    parser.add_argument("--quiet-wait", type=float, default=60,
                        help="before each run, wait up to this long for other processes to leave the CPUs")
    parser.add_argument("--agent-jar", type=pathlib.Path,
                        help="measure this agent jar instead of building java-agent/ and rust-core/ here")
    parser.add_argument("--reference-jar", type=pathlib.Path,
                        help="a second agent jar (e.g. an older build) measured as configuration agent_ref, "
                             "interleaved with agent_on in the same rounds")
    parser.add_argument("--out", type=pathlib.Path, help="results JSON (default bench-results/bench-<utc>.json)")
    parser.add_argument("--keep", action="store_true", help="keep every run directory (data, logs, lineage)")
    parser.add_argument("--jfr", action="store_true",
                        help="record the measured phase of every run with Java Flight Recorder (--jfr-settings) "
                             "into run/bench/<config>-<round>/node.jfr, kept; JFR itself costs the node a little CPU")
    parser.add_argument("--jfr-settings", default="profile",
                        help="JFR settings for --jfr: a JDK preset name or a .jfc file (e.g. one that samples "
                             "Java execution every 1 ms instead of 10 ms, for more samples per run)")
    parser.add_argument("--update-docs", action="store_true", help="rewrite the results in docs/performance.md")
    parser.add_argument("--gate", action="store_true",
                        help="exit 1 on a gross regression: a failed run, load generator errors, agent not "
                             f"enabled, agent_on below {GATE_MIN_THROUGHPUT_RATIO:.2f}x the no_agent "
                             f"throughput, or more than {GATE_MAX_DROP_RATIO * 100:.0f}%% of the agent's events dropped")
    opts = parser.parse_args(argv)
    names = [n.strip() for n in opts.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    if opts.reference_jar and "agent_ref" not in names:
        names.append("agent_ref")
    if "agent_ref" in names and not opts.reference_jar:
        parser.error("configuration agent_ref needs --reference-jar")
    opts.configs = ["no_agent"] + [n for n in dict.fromkeys(names) if n != "no_agent"]
    if opts.rounds < 1 or opts.seconds <= 0 or opts.warmup < 0 or opts.concurrency < 1:
        parser.error("--rounds, --seconds, --concurrency must be positive and --warmup not negative")
    return opts


def ensure_loadgen():
    """Builds the load generator jar when it is missing or older than its sources."""
    sources = [LOADGEN_DIR / "pom.xml", *(LOADGEN_DIR / "src").rglob("*")]
    newest = max(p.stat().st_mtime for p in sources if p.is_file())
    if LOADGEN_JAR.exists() and LOADGEN_JAR.stat().st_mtime >= newest:
        return
    log("building the load generator (mvn package)")
    subprocess.run(["mvn", "-B", "-q", "package"], cwd=LOADGEN_DIR, check=True)


def pin_agent_build(bench_dir, agent_jar=None):
    """Builds the agent once (or takes `agent_jar`) and makes every run use a copy of that jar (native library
    inside), so that all configurations of all rounds measure the same build even if the sources change."""
    if agent_jar is None:
        build.build_all()
    pinned = bench_dir / "cdflow-agent.jar"
    shutil.copyfile(agent_jar or AGENT_JAR, pinned)
    cluster.AGENT_JAR = pinned  # Node.command reads this module global
    build.build_all = lambda: pinned  # cluster.start would rebuild from the (maybe changing) sources
    return pinned, hashlib.sha256(pinned.read_bytes()).hexdigest()[:16]


def pin_reference_jar(bench_dir, reference_jar):
    pinned = bench_dir / "cdflow-agent-ref.jar"
    shutil.copyfile(reference_jar, pinned)
    return pinned, hashlib.sha256(pinned.read_bytes()).hexdigest()[:16]


def plan(configs, rounds):
    """Interleaved order: every round runs every configuration, reversed every other round and rotated by
    one every two rounds, so that no configuration always follows the same one. (Measured: the run right
    after another agent run was 6-27 % slower whichever agent build it was; with a plain rotation
    agent_on always followed agent_ref and took that penalty in every round.)"""
    order = []
    for r in range(rounds):
        shift = (r // 2) % len(configs)  # rotate every two rounds: with two configurations a rotation by
        rotated = configs[shift:] + configs[:shift]  # one and a reversal would cancel out
        if r % 2 == 1:
            rotated.reverse()
        order.extend((r + 1, config) for config in rotated)
    return order


def run_loadgen(address, opts, log_path, sampler):
    cmd = ["java", "-Xms512m", "-Xmx512m", "-jar", str(LOADGEN_JAR), "--host", address,
           "--duration", str(opts.seconds), "--warmup", str(opts.warmup), "--concurrency", str(opts.concurrency),
           "--rate", str(opts.rate), "--workload", opts.workload, "--progress", "5"]
    with open(log_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        sampler.loadgen_pid = proc.pid
        try:
            out, _ = proc.communicate(timeout=opts.warmup + opts.seconds + 180)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"load generator exited with {proc.returncode}: "
                           f"{log_path.read_text(errors='replace')[-2000:]}")
    return json.loads(lines[-1])


def evidence(config, address):
    """Proof, taken while the node runs, that the configuration did what it says (finish_record adds the
    agent's log lines and the audit log size after the stop)."""
    found = {}
    if config.name == "tracing":
        from cdflow_scripts.cql import Client
        with Client(address) as session:
            found["trace_sessions_present"] = bool(
                session.execute("SELECT session_id FROM system_traces.sessions LIMIT 1").all())
    return found


def run_one(config, round_no, opts):
    """One fresh node, one load run; returns the run's record (with `error` when it failed)."""
    run_dir = BENCH_DIR / f"{config.name}-{round_no}"
    if run_dir.exists():
        cluster.stop(run_dir)
        shutil.rmtree(run_dir)
    record = {"config": config.name, "round": round_no}
    record["busy_cores_before"] = bench_probe.wait_for_quiet(opts.quiet_wait, log=log)
    node = cluster.Node(run_dir, 1)
    if config.agent:
        cluster.AGENT_JAR = opts.pinned_jars["ref" if config.reference else "main"]
    try:
        record["start_seconds"] = round(cluster.start(run_dir, nodes=1, agent=config.agent,
                                                      agent_opts=config.agent_opts), 1)
        for command in config.nodetool:
            if cluster.nodetool(list(command)) != 0:
                raise RuntimeError(f"nodetool {' '.join(command)} failed")
        pid = node.pid()
        if opts.jfr:
            jcmd(pid, "JFR.start", "name=cdflow-bench", f"settings={opts.jfr_settings}", f"delay={int(opts.warmup)}s")
        with bench_probe.Sampler(pid) as sampler:
            record["loadgen"] = run_loadgen(node.address, opts, run_dir / "loadgen.log", sampler)
        lg = record["loadgen"]
        record["node"] = sampler.window(lg["measured_from_ms"] / 1000, lg["measured_to_ms"] / 1000)
        record["node"]["heap_committed_mib"], record["node"]["heap_used_mib"] = bench_probe.heap_mib(pid)
        record["node"]["heap_live_mib"] = bench_probe.heap_mib(pid, after_full_gc=True)[1]
        record["evidence"] = evidence(config, node.address)
        if opts.jfr:
            jcmd(pid, "JFR.stop", "name=cdflow-bench", f"filename={run_dir / 'node.jfr'}")
    except (Exception, SystemExit) as e:  # cluster.start reports a failed start with SystemExit
        record["error"] = str(e)[-3000:]
        log(f"{config.name} round {round_no} FAILED: {record['error'][:400]}")
    finally:
        began = time.time()
        cluster.stop(run_dir)
        record["stop_seconds"] = round(time.time() - began, 1)
    finish_record(record, config, node, run_dir, opts.keep)
    return record


def jcmd(pid, *command):
    result = subprocess.run(["jcmd", str(pid), *command], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"jcmd {' '.join(command)} failed: {result.stdout[-500:]} {result.stderr[-500:]}")


def finish_record(record, config, node, run_dir, keep_all):
    """Adds what is known only after the stop (final agent counters, audit log size), keeps result.json."""
    record.setdefault("evidence", {})["agent_log"] = bench_probe.agent_log_lines(node.stdout_log)
    if config.name == "audit":
        record["evidence"]["audit_log_bytes"] = bench_probe.dir_bytes(node.log_dir / "audit")
    if config.agent:
        counters = bench_probe.agent_counters(run_dir / "lineage")
        record["agent"] = counters
        lg = record.get("loadgen")
        if counters and lg:
            writes = lg["warmup_ops"] + lg["ops"] + lg["errors"]
            counters["events_per_write"] = round(counters["agent_events_seen"] / max(writes, 1), 3)
    (run_dir / "result.json").write_text(json.dumps(record, indent=2) + "\n")
    if keep_all:
        return
    # a failed run, or one with request errors, keeps its logs (not its data) for a post-mortem
    troubled = "error" in record or record.get("loadgen", {}).get("errors")
    keep = {"result.json", "loadgen.log", "node1", "node.jfr"} if troubled else {"result.json", "node.jfr"}
    for child in run_dir.iterdir():
        if child.name not in keep:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    if troubled:
        for sub in ("data", "commitlog", "hints", "saved_caches", "cdc_raw"):
            shutil.rmtree(run_dir / "node1" / sub, ignore_errors=True)


def command_line(argv):
    """The command as typed (with the environment that changes it), for the record."""
    env = [f"{k}={os.environ[k]}" for k in ("CDFLOW_ADDRESS_OFFSET", "CDFLOW_CASSANDRA_HEAP") if k in os.environ]
    return " ".join(env + ["scripts/bench", *map(shlex.quote, argv)])


def git_revision():
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + ("-dirty" if git("status", "--porcelain") else "")


def main(argv):
    opts = parse_args(argv)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    ensure_loadgen()
    configs = [CONFIGS[n] for n in opts.configs]
    agent_sha = ref_sha = None
    opts.pinned_jars = {}
    if any(c.agent for c in configs):
        opts.pinned_jars["main"], agent_sha = pin_agent_build(BENCH_DIR, opts.agent_jar)
    if opts.reference_jar:
        opts.pinned_jars["ref"], ref_sha = pin_reference_jar(BENCH_DIR, opts.reference_jar)
    runs_planned = plan(opts.configs, opts.rounds)
    per_run = opts.warmup + opts.seconds + 35
    log(f"{len(runs_planned)} runs ({opts.rounds} rounds x {len(configs)} configurations), "
        f"about {len(runs_planned) * per_run / 60:.0f} min; node 1 on {cluster.address(1)}")
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    runs = []
    for i, (round_no, name) in enumerate(runs_planned, 1):
        log(f"run {i}/{len(runs_planned)}: round {round_no}, {name} ({CONFIGS[name].what})")
        runs.append(run_one(CONFIGS[name], round_no, opts))
        bench_report.log_run(runs[-1], log)
    results = {
        "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command_line(argv),
        "git": git_revision(),
        "agent_jar_sha256": agent_sha,
        "agent_jar_source": str(opts.agent_jar.resolve()) if opts.agent_jar else "built from this tree",
        "reference_jar_sha256": ref_sha,
        "reference_jar_source": str(opts.reference_jar.resolve()) if opts.reference_jar else None,
        "cassandra": cassandra_dist.resolve()[0],
        "heap": cluster.HEAP,
        "machine": bench_probe.machine(),
        "settings": {k: getattr(opts, k) for k in ("rounds", "seconds", "warmup", "concurrency", "rate",
                                                     "workload", "configs")},
        "configs": {c.name: c.what for c in configs},
        "summary": bench_report.summarize(runs, opts.configs),
        "runs": runs,
    }
    out = opts.out or RESULTS_DIR / f"bench-{started.replace(':', '').replace('-', '')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(bench_report.render(results))
    print(f"\nresults: {out}")
    if opts.update_docs:
        bench_report.update_docs(results, REPO / "docs" / "performance.md")
        print("docs/performance.md updated")
    failed = [r for r in runs if "error" in r]
    if opts.gate:
        problems = bench_report.gate(results, GATE_MIN_THROUGHPUT_RATIO, GATE_MAX_DROP_RATIO)
        for p in problems:
            print(f"GATE FAILED: {p}")
        return 1 if problems else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
