"""What the bench measures beside the load generator: the node's memory and CPU from /proc, the JVM heap (jcmd),
the agent's own counters (agent_stats Parquet, DuckDB) and the machine it all ran on."""
import os
import pathlib
import platform
import re
import subprocess
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_status(pid):
    """{'VmRSS': kB, 'Threads': n, ...} of a live process, or {} once it is gone."""
    values = {}
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            number = rest.split()
            if number and number[0].isdigit():
                values[key] = int(number[0])
    except OSError:
        pass
    return values


def proc_cpu_seconds(pid):
    """User + system CPU seconds of a process (all its threads), or None once it is gone."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; utime, stime are fields 14, 15
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# thread groups of the node whose CPU the bench reports apart (first matching prefix of the thread name wins;
# /proc truncates names to 15 characters)
THREAD_GROUPS = (
    ("cdflow-writer", ("cdflow-writer",)),
    ("cdflow-flusher", ("cdflow-flusher",)),
    ("cdflow-journal", ("cdflow-journal",)),
    ("jit", ("C2 CompilerThre", "C1 CompilerThre")),
    ("gc", ("GC Thread", "G1 ", "VM Thread")),
    # Cassandra's shared worker pool (SEPWorker) runs the native-transport requests and the mutation and read stages
    # on the same threads, each renaming itself to the stage it serves at the moment: /proc charges a thread's
    # whole CPU to its name when sampled, so these stages can only be measured together.
    ("request_stages", ("Native-Transpor", "MutationStage", "ReadStage", "SharedPool-Wor")),
    ("netty", ("epollEventLoop", "nioEventLoopGro")),
    ("commitlog", ("COMMIT-LOG", "CommitLog")),
    ("memtable_flush", ("MemtableFlushWr", "MemtablePostFlu", "MemtableReclaim", "PerDiskMemtable")),
    ("compaction", ("CompactionExecu",)),
)


def thread_group(name):
    for group, prefixes in THREAD_GROUPS:
        if name.startswith(prefixes):
            return group
    return "other"


def thread_cpu_seconds(pid):
    """{tid: (thread name, user + system CPU seconds)} of every live thread of a process ({} once it is gone)."""
    threads = {}
    try:
        tasks = list(pathlib.Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return threads
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        threads[task.name] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return threads


def thread_group_cpu(first, last):
    """CPU seconds per thread group between two thread_cpu_seconds() snapshots (threads that ended between them
    are missing; threads born between them count from 0)."""
    groups = {}
    for tid, (name, cpu) in last.items():
        before = first.get(tid, (name, 0.0))[1]
        group = thread_group(name)
        groups[group] = groups.get(group, 0.0) + max(cpu - before, 0.0)
    return groups


def machine_cpu_seconds():
    """(busy, total) CPU seconds of the whole machine since boot, from the first line of /proc/stat."""
    ticks = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    total = sum(ticks[:8])  # guest time is already inside user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class Sampler:
    """Samples the node (RSS, threads, CPU), the load generator (CPU) and the machine (busy CPU) every
    `interval` seconds in a background thread; `window(t0, t1)` turns the samples into usage over a span."""

    def __init__(self, node_pid, interval=0.5):
        self.node_pid = node_pid
        self.loadgen_pid = None
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self):
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self):
        status = proc_status(self.node_pid)
        busy, _ = machine_cpu_seconds()
        self.samples.append({
            "t": time.time(),
            "rss_kb": status.get("VmRSS"),
            "threads": status.get("Threads"),
            "node_cpu": proc_cpu_seconds(self.node_pid),
            "loadgen_cpu": proc_cpu_seconds(self.loadgen_pid) if self.loadgen_pid else None,
            "machine_busy": busy,
            "node_threads": thread_cpu_seconds(self.node_pid),
        })

    def window(self, t0, t1):
        """CPU used between the samples nearest to t0 and t1 (seconds, wall clock), in cores, and the RSS
        at the start, the end and its maximum over the whole sampling."""
        inside = [s for s in self.samples if s["node_cpu"] is not None]
        first = min(inside, key=lambda s: abs(s["t"] - t0))
        last = min(inside, key=lambda s: abs(s["t"] - t1))
        span = max(last["t"] - first["t"], 1e-3)

        def cores(key):
            if first[key] is None or last[key] is None:
                return None
            return round((last[key] - first[key]) / span, 3)

        node, loadgen, busy = cores("node_cpu"), cores("loadgen_cpu"), cores("machine_busy")
        rss = [s["rss_kb"] for s in self.samples if s["rss_kb"]]
        groups = thread_group_cpu(first["node_threads"], last["node_threads"])
        return {
            # node CPU seconds per thread group over the window (bench_report divides by the operations)
            "thread_cpu_seconds": {g: round(v, 3) for g, v in sorted(groups.items())},
            "window_s": round(span, 2),
            "node_cpu_cores": node,
            "loadgen_cpu_cores": loadgen,
            "machine_busy_cores": busy,
            # whatever else ran meanwhile (builds, other tests): the noise indicator of a run
            "other_cpu_cores": round(busy - node - (loadgen or 0), 3) if node is not None else None,
            "node_cpu_seconds": round(last["node_cpu"] - first["node_cpu"], 2),
            "rss_start_mib": mib(rss[0]) if rss else None,
            "rss_end_mib": mib(rss[-1]) if rss else None,
            "rss_max_mib": mib(max(rss)) if rss else None,
            "threads_max": max((s["threads"] or 0) for s in self.samples),
        }


def mib(kb):
    return round(kb / 1024, 1)


def wait_for_quiet(max_wait_s, busy_cores_below=0.5, log=print):
    """Waits (at most max_wait_s) until the machine has been nearly idle for 3 s: a build or a test run beside
    the bench would otherwise take CPU from the node. Returns the busy cores seen last."""
    began = time.time()
    while True:
        b0, _ = machine_cpu_seconds()
        time.sleep(3)
        b1, _ = machine_cpu_seconds()
        busy = round((b1 - b0) / 3, 2)
        waited = time.time() - began
        if busy < busy_cores_below:
            if waited > 5:
                log(f"machine quiet after {waited:.0f}s")
            return busy
        if waited >= max_wait_s:
            log(f"machine still busy ({busy} cores used by other processes) after {waited:.0f}s: running anyway")
            return busy
        if waited < 4:
            log(f"machine busy ({busy} cores used by other processes): waiting up to {max_wait_s:.0f}s")


HEAP_USED = re.compile(r"total (\d+)K, used (\d+)K")


def heap_mib(pid, after_full_gc=False):
    """(committed, used) heap MiB from `jcmd GC.heap_info`, optionally after a full GC (the live heap)."""
    try:
        if after_full_gc:
            subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60, check=True)
        out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True,
                             timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    found = HEAP_USED.search(out)
    return (mib(int(found.group(1))), mib(int(found.group(2)))) if found else (None, None)


AGENT_COUNTERS = ["agent_events_seen", "agent_dropped", "dropped_queue_full", "rejected", "offered", "accepted",
                  "written", "files"]


def agent_counters(lineage):
    """The agent's final counters, or None without files. Counters are totals since the agent started, so the
    last row of each agent instance (agent_start_time) counts; an early row may name the node `unknown`."""
    lineage = pathlib.Path(lineage)
    if not list(lineage.glob("agent_stats/**/*.parquet")):
        return None
    import duckdb
    con = duckdb.connect()
    columns = ", ".join(f"sum({c})::BIGINT AS {c}" for c in AGENT_COUNTERS)
    row = con.execute(f"""
        SELECT {columns}, count(*) AS agents FROM (
            SELECT * FROM read_parquet('{lineage}/agent_stats/**/*.parquet', hive_partitioning = true,
                                       union_by_name = true)
            QUALIFY row_number() OVER (PARTITION BY agent_start_time ORDER BY stats_time DESC, written DESC) = 1)
        """).fetchone()
    counters = dict(zip(AGENT_COUNTERS + ["agents"], row, strict=True))
    # every cause, from the one accounting query (sql/queries/dropped_events.sql); an unknown total stays None
    from . import report
    per_node = report.accounting(lineage)
    known = [r["dropped"] for r in per_node if r["dropped"] is not None]
    counters["dropped"] = sum(known) if per_node and len(known) == len(per_node) else None
    counters["drop_causes"] = {key: sum(r[key] or 0 for r in per_node) for key in per_node[0]
                               if (key.startswith(("agent_dropped_", "dropped_")) and key != "dropped_pct")
                               or key in ("rejected", "skipped_records")
                               } if per_node else {}
    seen = counters["agent_events_seen"]
    counters["drop_ratio"] = round(counters["dropped"] / seen, 6) if seen and counters["dropped"] is not None else None
    return counters


def agent_log_lines(stdout_log):
    """The agent's own lines in the node's stdout: its start line (enabled/disabled) and its stop line."""
    try:
        lines = pathlib.Path(stdout_log).read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.startswith("cdflow-agent:")]


def dir_bytes(path):
    path = pathlib.Path(path)
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def machine():
    """The machine, for the record: CPU model and cores, RAM, kernel, Java."""
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem_kb = proc_meminfo().get("MemTotal", 0)
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": platform.platform(terse=True),
        "java": java[0] if java else "unknown",
        "java_runtime": java[1] if len(java) > 1 else "",
    }


def proc_meminfo():
    values = {}
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        values[key] = int(rest.split()[0])
    return values
