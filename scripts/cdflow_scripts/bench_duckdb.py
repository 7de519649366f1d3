"""Analyst queries on a large lineage set, timed with DuckDB (docs/performance.md, "Analyst queries and the
core's limits"). Generates `--rows` events once with the real core (rust-core/core/examples/synth_lineage.rs) into
run/bench-duckdb/rows-<N>/ (kept between runs; --regenerate to redo), then times each query cold (first run on
a fresh connection) and warm (median of --repeats further runs) with `SET threads = <--threads>`.
Prints a table and one JSON document (--json FILE to keep it). --max-seconds fails the run if a warm median
exceeds it (the CI smoke uses a generous bound)."""
import argparse
import datetime
import json
import pathlib
import statistics
import subprocess
import sys
import time

import duckdb

REPO = pathlib.Path(__file__).resolve().parents[2]
CACHE = REPO / "run" / "bench-duckdb"
GENERATOR = REPO / "target" / "release" / "examples" / "synth_lineage"
# Room for every edge and per-table partition summary of a window of the synthetic workload (20 roles × 6 nodes ×
# 200 tables of write edges alone exceed the default 4096): nothing counted as `overflow`.
FLOW_MAX_EDGES = 100_000

# The time-range query looks at one minute from the middle of the data's time span (set by `describe`).
WINDOW = ["", ""]

QUERIES = {
    "top10_partitions_by_writes_per_table": """
        SELECT keyspace_name, table_name, partition_key_hash, count(*) AS writes
        FROM events WHERE kind = 'coordinator_write'
        GROUP BY keyspace_name, table_name, partition_key_hash
        QUALIFY row_number() OVER (PARTITION BY keyspace_name, table_name ORDER BY count(*) DESC) <= 10""",
    # The same question from the core's flow graph: per window and node, each table's top partitions (Space-Saving),
    # summed over windows and nodes; `count` is an upper bound once a table saw > 80 partitions in a window.
    "top10_partitions_by_writes_per_table_from_flows": """
        SELECT keyspace_name, table_name, token, sum(count) AS writes
        FROM flows WHERE edge_kind = 'partition_write' AND target <> 'other'
        GROUP BY keyspace_name, table_name, token
        QUALIFY row_number() OVER (PARTITION BY keyspace_name, table_name ORDER BY sum(count) DESC) <= 10""",
    "tombstones_by_role_and_table": """
        SELECT user_name, keyspace_name, table_name, sum(tombstones) AS tombstones
        FROM events WHERE kind = 'coordinator_write' AND tombstones > 0
        GROUP BY ALL ORDER BY tombstones DESC""",
    "count_by_kind_and_node_in_1_minute": """
        SELECT kind, node, count(*) AS events
        FROM events WHERE event_time >= TIMESTAMP '{0}' AND event_time < TIMESTAMP '{1}'
        GROUP BY ALL""",
    "who_touched_table": """
        SELECT user_name, client_address, kind, count(*) AS events, min(event_time), max(event_time)
        FROM events WHERE keyspace_name = 'app_3' AND table_name = 'table_013'
        GROUP BY ALL ORDER BY events DESC""",
}


def generate(rows, out, regenerate):
    """The lineage directory for `rows` events, generated once (atomically: a finished marker)."""
    lineage = out / f"rows-{rows}" / "lineage"
    marker = out / f"rows-{rows}" / "generated.json"
    if marker.exists() and not regenerate:
        return lineage, json.loads(marker.read_text())
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "cdflow-core", "--example", "synth_lineage"],
                   cwd=REPO, check=True)
    if lineage.parent.exists():
        subprocess.run(["rm", "-rf", str(lineage.parent)], check=True)
    lineage.parent.mkdir(parents=True)
    print(f"[bench-duckdb] generating {rows:,} events with the core into {lineage}", flush=True)
    done = subprocess.run([str(GENERATOR), "--out", str(lineage), "--rows", str(rows),
                           "--flow-max-edges", str(FLOW_MAX_EDGES)],
                          check=True, capture_output=True, text=True)
    info = json.loads(done.stdout.strip().splitlines()[-1])
    if info["rejected"] or info["written"] != info["rows_submitted"]:
        sys.exit(f"bench-duckdb: the core did not write every generated event: {info}")
    marker.write_text(json.dumps(info) + "\n")
    return lineage, info


def describe(lineage, connection):
    files = sorted((lineage / "events").glob("**/*.parquet"))
    size = sum(f.stat().st_size for f in files)
    middle = connection.execute(
        f"SELECT date_trunc('minute', to_timestamp(avg(epoch(stats_min_value::TIMESTAMP)))::TIMESTAMP) "
        f"FROM parquet_metadata('{lineage}/events/**/*.parquet') WHERE path_in_schema = 'event_time'").fetchone()[0]
    WINDOW[:] = [str(middle), str(middle + datetime.timedelta(minutes=1))]
    rows, row_groups = connection.execute(
        f"SELECT sum(num_rows), count(*) FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows AS num_rows "
        f"FROM parquet_metadata('{lineage}/events/**/*.parquet'))").fetchone()
    in_window = connection.execute(
        f"SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata('{lineage}/events/**/*.parquet') "
        f"WHERE path_in_schema = 'event_time' AND stats_min_value::TIMESTAMP < TIMESTAMP '{WINDOW[1]}' "
        f"AND stats_max_value::TIMESTAMP >= TIMESTAMP '{WINDOW[0]}'").fetchone()[0]
    return {"window": list(WINDOW), "files": len(files), "bytes": size, "rows": int(rows), "bytes_per_row": round(size / rows, 2),
            "row_groups": int(row_groups), "row_groups_overlapping_window": int(in_window)}


def connect(lineage, threads):
    connection = duckdb.connect()
    connection.execute(f"SET threads = {threads}")
    connection.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{lineage}/events/**/*.parquet', "
                       "hive_partitioning = true)")
    connection.execute(f"CREATE VIEW flows AS SELECT * FROM read_parquet('{lineage}/flows/**/*.parquet', "
                       "hive_partitioning = true)")
    return connection


def flows_accuracy(lineage, threads, hottest=20):
    """The flows answer against the exact one from events, for the `hottest` tables by writes: how many of each
    table's exact top 10 partitions (by token) flows names, and the relative error of flows' counts for those."""
    connection = connect(lineage, threads)
    exact = QUERIES["top10_partitions_by_writes_per_table"].replace("partition_key_hash", "token")
    rows = connection.execute(f"""
        WITH exact AS ({exact}),
             approx AS ({QUERIES["top10_partitions_by_writes_per_table_from_flows"]}),
             hot AS (SELECT keyspace_name, table_name FROM events WHERE kind = 'coordinator_write'
                     GROUP BY ALL ORDER BY count(*) DESC LIMIT {hottest})
        SELECT e.keyspace_name, e.table_name, count(a.token) AS found,
               max(abs(a.writes - e.writes) / e.writes) AS max_rel_error, sum(a.writes - e.writes) AS overcount,
               avg(abs(a.writes - e.writes) / e.writes) AS mean_rel_error
        FROM exact e JOIN hot USING (keyspace_name, table_name)
        LEFT JOIN approx a USING (keyspace_name, table_name, token)
        GROUP BY ALL""").fetchall()
    connection.close()
    return {"tables": len(rows), "found_of_10_min": min(r[2] for r in rows),
            "found_of_10_mean": round(statistics.mean(r[2] for r in rows), 2),
            "max_relative_count_error": round(max((r[3] or 0.0) for r in rows), 4),
            "mean_relative_count_error": round(statistics.mean((r[5] or 0.0) for r in rows), 4),
            "overcounted_tables": sum(1 for r in rows if (r[4] or 0) > 0),
            "undercounted_tables": sum(1 for r in rows if (r[4] or 0) < 0)}


def timed(connection, sql):
    start = time.perf_counter()
    result = connection.execute(sql).fetchall()  # read to the end
    return time.perf_counter() - start, len(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5, help="warm runs per query (median shown)")
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated subset")
    parser.add_argument("--cache", type=pathlib.Path, default=CACHE)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--max-seconds", type=float, help="fail if a warm median exceeds this")
    parser.add_argument("--json", type=pathlib.Path)
    parser.add_argument("--accuracy", action="store_true",
                        help="also compare the flows top 10 with the exact one from events (hottest 20 tables)")
    opts = parser.parse_args()
    names = opts.queries.split(",")
    unknown = [n for n in names if n not in QUERIES]
    if unknown:
        sys.exit(f"bench-duckdb: unknown queries {unknown}; known: {', '.join(QUERIES)}")
    lineage, generated = generate(opts.rows, opts.cache, opts.regenerate)
    results = {"generated": generated, "threads": opts.threads, "duckdb": duckdb.__version__, "queries": {}}
    results["data"] = describe(lineage, duckdb.connect())
    for name in names:
        connection = connect(lineage, opts.threads)  # a fresh connection: no cached metadata ("cold")
        sql = QUERIES[name].format(*WINDOW)
        cold, result_rows = timed(connection, sql)
        warm = [timed(connection, sql)[0] for _ in range(opts.repeats)]
        results["queries"][name] = {"cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3),
                                    "warm_min_s": round(min(warm), 3), "warm_max_s": round(max(warm), 3),
                                    "result_rows": result_rows}
        connection.close()
    if opts.accuracy:
        results["flows_accuracy"] = flows_accuracy(lineage, opts.threads)
    report(results)
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=2) + "\n")
    slow = [n for n, q in results["queries"].items() if opts.max_seconds and q["warm_median_s"] > opts.max_seconds]
    if slow:
        sys.exit(f"bench-duckdb: warm median above {opts.max_seconds} s: {', '.join(slow)}")


def report(results):
    data, generated = results["data"], results["generated"]
    print(f"{data['rows']:,} rows in {data['files']} files, {data['row_groups']} row groups, "
          f"{data['bytes'] / 2**20:,.0f} MiB, {data['bytes_per_row']} bytes/row; generated at "
          f"{generated['rows_per_second']:,.0f} rows/s; DuckDB {results['duckdb']}, threads={results['threads']}")
    print(f"1-minute window from {data['window'][0]}: "
          f"{data['row_groups_overlapping_window']} of {data['row_groups']} row groups overlap it")
    print("| query | cold s | warm s (median) | warm range | result rows |")
    print("|---|--:|--:|--:|--:|")
    for name, q in results["queries"].items():
        print(f"| {name} | {q['cold_s']:.3f} | {q['warm_median_s']:.3f} | {q['warm_min_s']:.3f}–{q['warm_max_s']:.3f} "
              f"| {q['result_rows']:,} |")
    if "flows_accuracy" in results:
        print(f"flows vs events, hottest tables: {results['flows_accuracy']}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
