"""`cdflow summary` and `cdflow antipatterns` against DuckDB's equivalent queries on the same files and threads
(docs/performance.md, "CLI vs DuckDB (issue 13)"). The rows are generated once with the real core, shared with
scripts/bench-duckdb (run/bench-duckdb/rows-<N>/). Each command runs --repeats times (warm page cache: the files
are read once before timing); the median wall time is reported with the ratio CLI ÷ DuckDB. DuckDB runs in a
fresh process per timing, like the CLI, with `SET threads = <--threads>`, timed from connect to the last result;
the CLI (whole process) with CDFLOW_THREADS.
--max-ratio fails the run when a ratio exceeds it."""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

from bench_duckdb import CACHE, generate

REPO = pathlib.Path(__file__).resolve().parents[2]
CDFLOW = REPO / "target" / "release" / "cdflow"

# What `cdflow summary` computes (rust-core/cli/src/summary.rs), one statement per section, all run in one
# process: span and request totals; per table (with flushes and compactions); per client; per node (local vs
# remote replica writes); the 5 busiest partitions; the agents' last counters.
SUMMARY_SQL = """
SELECT min(event_time), max(event_time), count(*) FILTER (kind = 'coordinator_write'),
       count(*) FILTER (kind = 'coordinator_read') FROM events;
SELECT keyspace_name, table_name,
       count(*) FILTER (kind = 'coordinator_write'), count(*) FILTER (kind = 'coordinator_read'),
       count(*) FILTER (kind = 'replica_write'), count(*) FILTER (kind = 'replica_read'),
       sum(bytes) FILTER (kind = 'coordinator_write'), sum(tombstones) FILTER (kind = 'coordinator_write'),
       sum(tombstones_scanned) FILTER (kind = 'replica_read')
FROM events WHERE keyspace_name IS NOT NULL OR table_name IS NOT NULL GROUP BY ALL;
SELECT keyspace_name, table_name, count(*) FROM flushes GROUP BY ALL;
SELECT keyspace_name, table_name, count(*) FROM compactions GROUP BY ALL;
SELECT coalesce('role:' || user_name, 'client:' || split_part(ltrim(client_address, '/'), ':', 1), 'internal') AS client,
       count(*) FILTER (kind = 'coordinator_write'), count(*) FILTER (kind = 'coordinator_read'),
       sum(bytes) FILTER (kind = 'coordinator_write'), sum(rows) FILTER (kind = 'coordinator_write'),
       sum(tombstones) FILTER (kind = 'coordinator_write'), sum(rows_returned), count(error)
FROM events WHERE kind IN ('coordinator_write', 'coordinator_read') GROUP BY ALL;
SELECT node, count(*) FILTER (kind = 'coordinator_write'), count(*) FILTER (kind = 'coordinator_read'),
       count(*) FILTER (kind = 'replica_write' AND NOT (applied_locally OR coordinator = node)),
       count(*) FILTER (kind = 'replica_write' AND (applied_locally OR coordinator = node)),
       count(*) FILTER (kind = 'replica_read')
FROM events GROUP BY ALL;
SELECT keyspace_name, table_name, partition_key_hash, count(*) AS requests,
       sum(bytes) FILTER (kind = 'coordinator_write'), sum(tombstones) FILTER (kind = 'coordinator_write')
FROM events WHERE kind IN ('coordinator_write', 'coordinator_read') AND partition_key_hash IS NOT NULL
GROUP BY ALL ORDER BY requests DESC LIMIT 5;
SELECT node, arg_max(agent_events_seen, stats_time), arg_max(written, stats_time) FROM agent_stats GROUP BY ALL;
"""

# What `cdflow antipatterns` computes (rust-core/cli/src/antipatterns.rs): per table the tallies of every
# pattern, per partition the requests and bytes (hot and large partitions: the top partitions' share of their
# table).
ANTIPATTERNS_SQL = """
SELECT keyspace_name, table_name,
       count(*) FILTER (kind IN ('coordinator_write', 'coordinator_read')) AS requests,
       count(*) FILTER (kind = 'coordinator_write') AS writes,
       count(*) FILTER (kind = 'coordinator_write' AND (statement_type = 'DELETE' OR tombstones > 0 AND cells <= cell_tombstones)),
       sum(cells) FILTER (kind = 'coordinator_write'), sum(tombstones) FILTER (kind = 'coordinator_write'),
       sum(ttl_cells) FILTER (kind = 'coordinator_write' AND ttl_cells > 0),
       count(DISTINCT partition_key_hash) FILTER (kind = 'coordinator_write' AND ttl_cells > 0),
       sum(tombstones_scanned) FILTER (kind = 'replica_read'),
       count(*) FILTER (kind = 'replica_read' AND tombstones_scanned > 1000),
       count(DISTINCT batch_id) FILTER (kind = 'coordinator_write' AND batch_partitions >= 10),
       count(*) FILTER (kind IN ('coordinator_write', 'coordinator_read') AND consistency IN ('ALL', 'EACH_QUORUM')),
       count(*) FILTER (kind = 'coordinator_read' AND range_scan),
       count(*) FILTER (cas_applied IS NOT NULL OR paxos_attempts IS NOT NULL),
       min(event_time), max(event_time)
FROM events WHERE keyspace_name IS NOT NULL OR table_name IS NOT NULL GROUP BY ALL;
WITH p AS (
  SELECT keyspace_name, table_name, partition_key_hash, count(*) AS requests,
         sum(bytes) FILTER (kind = 'coordinator_write') AS bytes
  FROM events WHERE kind IN ('coordinator_write', 'coordinator_read') AND partition_key_hash IS NOT NULL
  GROUP BY ALL)
SELECT keyspace_name, table_name, partition_key_hash, requests, bytes,
       requests / sum(requests) OVER (PARTITION BY keyspace_name, table_name) AS share
FROM p QUALIFY row_number() OVER (PARTITION BY keyspace_name, table_name ORDER BY requests DESC) <= 5;
"""


def duckdb_script(lineage, threads, sql):
    """A Python program that runs `sql` over the lineage views in a fresh DuckDB connection."""
    views = "".join(
        f"con.execute(\"CREATE VIEW {table} AS SELECT * FROM read_parquet('{lineage}/{table}/**/*.parquet', "
        f"hive_partitioning = true, union_by_name = true)\")\n"
        for table in ("events", "flushes", "compactions", "agent_stats") if (lineage / table).is_dir())
    absent = [table for table in ("flushes", "compactions") if not (lineage / table).is_dir()]
    # A table the lineage does not have (the synthetic workload writes no flushes) is skipped, as the CLI does.
    statements = [s.strip() for s in sql.split(";")
                  if s.strip() and not any(f"FROM {table}" in s for table in absent)]
    return (f"import time\nimport duckdb\nstarted = time.monotonic()\ncon = duckdb.connect()\n"
            f"con.execute('SET threads = {threads}')\n"
            # A query running over 2 s draws a progress bar on stdout, where the timing is read.
            f"con.execute('SET enable_progress_bar = false')\n{views}"
            f"for s in {statements!r}:\n    con.execute(s).fetchall()\nprint(time.monotonic() - started)\n")


def timed(command, env=None):
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.monotonic() - started


def timed_duckdb(script):
    """Seconds from connecting to the last result, measured inside the process (Python's start and the
    import of duckdb, ≈ 0.2 s, are not DuckDB's work)."""
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--cdflow", type=pathlib.Path, default=CDFLOW,
                        help="the cdflow binary (default: built with cargo build --release -p cdflow-cli)")
    parser.add_argument("--max-ratio", type=float)
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()
    lineage, info = generate(args.rows, CACHE, args.regenerate)
    if args.cdflow == CDFLOW:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "cdflow-cli"], cwd=REPO, check=True)
    files = sorted(lineage.glob("*/**/*.parquet"))
    for path in files:  # warm the page cache
        path.read_bytes()
    env = dict(os.environ, CDFLOW_THREADS=str(args.threads), CDFLOW_PROGRESS="0")
    pairs = {
        "summary": (["summary", str(lineage)], SUMMARY_SQL),
        "antipatterns": (["antipatterns", str(lineage)], ANTIPATTERNS_SQL),
    }
    results = {}
    for name, (cli_args, sql) in pairs.items():
        script = duckdb_script(lineage, args.threads, sql)
        cli, duck = [], []
        for _ in range(args.repeats):
            cli.append(timed([str(args.cdflow), *cli_args], env))
            duck.append(timed_duckdb(script))
        results[name] = {
            "cdflow_seconds": cli,
            "duckdb_seconds": duck,
            "cdflow_median": statistics.median(cli),
            "duckdb_median": statistics.median(duck),
            "ratio": statistics.median(cli) / statistics.median(duck),
        }
    print(f"{info['written']:,} rows in {len(files)} files, {args.threads} threads, median of {args.repeats}")
    print(f"{'command':<14}{'cdflow s':>10}{'duckdb s':>10}{'ratio':>8}")
    for name, r in results.items():
        print(f"{name:<14}{r['cdflow_median']:>10.2f}{r['duckdb_median']:>10.2f}{r['ratio']:>8.2f}")
    document = {"rows": info["written"], "files": len(files), "threads": args.threads,
                "repeats": args.repeats, "results": results}
    print(json.dumps(document))
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if args.max_ratio and any(r["ratio"] > args.max_ratio for r in results.values()):
        sys.exit(f"bench-cli: a ratio exceeds {args.max_ratio}")


if __name__ == "__main__":
    main()
