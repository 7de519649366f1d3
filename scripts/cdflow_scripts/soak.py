"""The soak benchmark (not CI): one node with the agent under a steady high write rate for a long time, sampling
what must stay flat — journal bytes, lineage bytes, the node's RSS — and the agent's drops. Prints a table and
writes bench-results/soak-<utc>.json (docs/performance.md, "Soak").
Usage: scripts/soak [--minutes 30] [--rate 8000] [--concurrency 64] [--interval 30]"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from cdflow_scripts import bench, bench_probe, cluster  # noqa: E402
from cdflow_scripts.paths import REPO, RUN  # noqa: E402


def dir_bytes(path):
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def last_stats(lineage):
    import duckdb
    files = [p for p in (lineage / "agent_stats").rglob("*.parquet")]
    if not files:
        return {}
    con = duckdb.connect()
    cur = con.execute(f"SELECT * FROM read_parquet('{lineage}/agent_stats/**/*.parquet', union_by_name = true) "
                      "ORDER BY stats_time DESC, written DESC LIMIT 1")
    names = [d[0] for d in cur.description]
    return {k: (v if isinstance(v, (int, float)) else str(v)) for k, v in zip(names, cur.fetchone(), strict=True)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=8000, help="writes/s the load generator holds")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--interval", type=float, default=30, help="seconds between samples")
    parser.add_argument("--agent-opts", default="")
    opts = parser.parse_args()
    run_dir = RUN / "soak"
    if run_dir.exists():
        cluster.stop(run_dir)
        shutil.rmtree(run_dir)
    bench.ensure_loadgen()
    cluster.start(run_dir, nodes=1, agent=True, agent_opts=opts.agent_opts)
    node = cluster.Node(run_dir, 1)
    lineage = run_dir / "lineage"
    seconds = int(opts.minutes * 60)
    cmd = ["java", "-Xms256m", "-Xmx256m", "-jar", str(bench.LOADGEN_JAR), "--host", node.address,
           "--duration", str(seconds), "--warmup", "0", "--concurrency", str(opts.concurrency),
           "--rate", str(opts.rate), "--workload", "insert", "--progress", "60"]
    samples = []
    began = time.time()
    load = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        while load.poll() is None:
            time.sleep(opts.interval)
            status = bench_probe.proc_status(node.pid() or 0)
            sample = {"elapsed_s": round(time.time() - began), "rss_mib": round(status.get("VmRSS", 0) / 1024),
                      "journal_bytes": dir_bytes(lineage / "_journal"), "lineage_bytes": dir_bytes(lineage),
                      "cpu_s": bench_probe.proc_cpu_seconds(node.pid() or 0)}
            samples.append(sample)
            print(json.dumps(sample), flush=True)
        out = load.communicate()[0]
    finally:
        cluster.stop(run_dir)
    result_lines = [line for line in out.splitlines() if line.startswith("{")]
    stats = last_stats(lineage)
    steady = samples[len(samples) // 4:] or samples
    summary = {
        "minutes": opts.minutes, "rate": opts.rate,
        "loadgen": json.loads(result_lines[-1]) if result_lines else None,
        "journal_bytes_max": max(s["journal_bytes"] for s in samples),
        "rss_mib_first_quarter_end": steady[0]["rss_mib"], "rss_mib_last": samples[-1]["rss_mib"],
        "rss_mib_max": max(s["rss_mib"] for s in samples),
        "agent_stats": stats, "samples": samples,
    }
    out_dir = REPO / "bench-results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"soak-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(summary, indent=1, default=str))
    print(f"\nsoak: {opts.minutes} min at {opts.rate}/s: journal max {summary['journal_bytes_max']} B, "
          f"RSS {summary['rss_mib_first_quarter_end']} -> {summary['rss_mib_last']} MiB (max {summary['rss_mib_max']}), "
          f"seen {stats.get('agent_events_seen')} written {stats.get('written')} "
          f"dropped {stats.get('agent_dropped', 0) + stats.get('dropped_queue_full', 0)}; {path}")


if __name__ == "__main__":
    main()
