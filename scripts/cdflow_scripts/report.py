"""The analyst's first look at a lineage directory: DuckDB sections, then `cdflow summary`, `cdflow antipatterns`
and `cdflow verify`."""
import pathlib
import subprocess

import duckdb

from . import build

SQL = pathlib.Path(__file__).resolve().parents[2] / "sql"


def views(lineage):
    """A DuckDB connection with the views of sql/views.sql over `lineage` (the analyst's query pack)."""
    con = duckdb.connect()
    con.execute(f"SET VARIABLE lineage = '{lineage}'")
    con.execute((SQL / "views.sql").read_text())
    return con


def accounting(lineage):
    """sql/queries/dropped_events.sql: per node, events seen, written, every drop cause and the balance."""
    result = views(lineage).execute((SQL / "queries" / "dropped_events.sql").read_text())
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def connect(lineage):
    """A DuckDB connection with views `events` and `agent_stats` over every node's files."""
    lineage = pathlib.Path(lineage)
    if not any(lineage.glob("events/**/*.parquet")):
        raise SystemExit(f"no lineage files under {lineage}/events: see the node's stdout.log for cdflow lines")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{lineage}/events/**/*.parquet', "
                "hive_partitioning = true, union_by_name = true)")
    for table in ("agent_stats", "flushes", "compactions", "sstables", "auth_events"):
        if any(lineage.glob(f"{table}/**/*.parquet")):
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{lineage}/{table}/**/*.parquet', "
                        "hive_partitioning = true, union_by_name = true)")
    return con


SECTIONS = [
    ("Writes per table and role (coordinator side)", """
        SELECT keyspace_name, table_name, coalesce(user_name, '(internal)') AS role,
               count(*) AS writes, sum(rows) AS rows, sum(bytes) AS bytes
        FROM events WHERE kind = 'coordinator_write'
        GROUP BY ALL ORDER BY writes DESC"""),
    ("Tombstones per table (and who wrote them)", """
        SELECT keyspace_name, table_name, coalesce(user_name, '(internal)') AS role,
               sum(tombstones) AS tombstones, sum(ttl_cells) AS ttl_cells
        FROM events WHERE kind = 'coordinator_write'
        GROUP BY ALL HAVING sum(tombstones) > 0 OR sum(ttl_cells) > 0 ORDER BY tombstones DESC"""),
    ("Reads: rows returned to clients, tombstones scanned on replicas", """
        SELECT keyspace_name, table_name, coalesce(user_name, '(replica)') AS role, kind, count(*) AS reads,
               sum(rows_returned) AS rows_returned, sum(tombstones_scanned) AS tombstones_scanned,
               sum(live_rows) AS live_rows_scanned
        FROM events WHERE kind IN ('coordinator_read', 'replica_read')
        GROUP BY ALL ORDER BY keyspace_name, table_name, kind"""),
    ("Tombstone producers by role and table (breakdown)", """
        SELECT coalesce(user_name, '(internal)') AS role, any_value(team) AS team, keyspace_name, table_name,
               sum(partition_tombstones) AS partition, sum(row_tombstones) AS row, sum(range_tombstones) AS range,
               sum(cell_tombstones) AS cell, sum(tombstones) AS total
        FROM events WHERE kind = 'coordinator_write' AND tombstones > 0
        GROUP BY ALL ORDER BY total DESC"""),
    ("SSTable lineage: flushes (memtable -> SSTables)", """
        SELECT keyspace_name || '.' || table_name AS tbl, flush_reason, partitions, operations, output_sstables,
               bytes_out FROM flushes ORDER BY event_time"""),
    ("SSTable lineage: compactions (SSTables -> SSTables)", """
        SELECT keyspace_name || '.' || table_name AS tbl, compaction_id, operation_type, input_sstables,
               output_sstables, bytes_in, bytes_out, partitions_in, partitions_out,
               tombstones_in_estimate - tombstones_out_estimate AS tombstones_purged_estimate
        FROM compactions ORDER BY event_time"""),
    ("Logins", """
        SELECT user_name, outcome, count(*) AS logins, any_value(team) AS team, any_value(external_identity) AS identity
        FROM auth_events GROUP BY ALL ORDER BY logins DESC"""),
    ("Top 10 partitions by writes (keyed hash, never the raw key)", """
        SELECT keyspace_name, table_name, partition_key_hash, any_value(token) AS token, count(*) AS writes
        FROM events WHERE kind = 'coordinator_write'
        GROUP BY keyspace_name, table_name, partition_key_hash ORDER BY writes DESC LIMIT 10"""),
    ("Events by node and kind", """
        SELECT node, kind, count(*) AS events, min(event_time) AS first, max(event_time) AS last,
               round(count(*) / greatest(epoch(max(event_time)) - epoch(min(event_time)), 0.001), 1) AS events_per_s
        FROM events GROUP BY ALL ORDER BY node, kind"""),
]


def print_report(lineage):
    con = connect(lineage)
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    for title, query in SECTIONS:
        missing = [t for t in ("agent_stats", "flushes", "compactions", "auth_events")
                   if f"FROM {t}" in query and t not in views]
        if missing:
            print(f"\n== {title}\n(no {missing[0]} files)")
            continue
        print(f"\n== {title}")
        con.sql(query).show(max_width=160)
    print_accounting(lineage)
    print_cli_overview(lineage)


def print_accounting(lineage):
    """Every event the agent saw, per node: written or dropped with its cause, and whether they balance
    (docs/schema.md, "Accounting"); unknown (None) where an older core did not write a counter."""
    print("\n== Agent accounting (sql/queries/dropped_events.sql)")
    rows = accounting(lineage)
    if not rows:
        print("(no agent_stats files)")
    for row in rows:
        causes = ", ".join(f"{name}={row[name]}" for name in (
            "agent_dropped_busy", "agent_dropped_not_running", "agent_dropped_submit_error", "agent_dropped_other",
            "dropped_queue_full", "rejected", "skipped_records", "dropped_write_failed", "dropped_disk_bound"))
        print(f"{row['node']}: seen {row['events_seen']}, written {row['written']} "
              f"(recovered {row['recovered_rows']}, removed later {row['removed_rows']}), dropped {row['dropped']} "
              f"[{causes}]: {row['balance']}"
              + (f"; unknown (older core): {row['unknown_columns']}" if row["unknown_columns"] else ""))


def print_cli_overview(lineage):
    """The CLI's one-screen overview and its anti-pattern findings (default thresholds, docs/cli.md)."""
    cli = str(build.build_cli())
    for title, args in (("Overview (cdflow summary)", ["summary"]),
                        ("Anti-patterns (cdflow antipatterns)", ["antipatterns"]),
                        ("Tamper evidence (cdflow verify: every file against its node's manifest)", ["verify"])):
        print(f"\n== {title}", flush=True)
        subprocess.run([cli, *args, str(lineage)], check=True)


def print_fanout(lineage):
    """Fan-out of writes across nodes (sql/mutation_fanout.sql): per coordinator → replica and path."""
    con = connect(lineage)
    con.execute((SQL / "mutation_fanout.sql").read_text())
    print("\n== Write fan-out: coordinator → replica (mutation_fanout; path local | remote | hint)")
    con.sql("""SELECT coordinator, replica, path, count(*) AS applies, count(*) FILTER (NOT applied) AS pending,
                      count(DISTINCT table_name) AS tables, quantile_cont(latency_us, 0.5)::BIGINT AS p50_latency_us,
                      quantile_cont(latency_us, 0.99)::BIGINT AS p99_latency_us
               FROM mutation_fanout GROUP BY ALL ORDER BY coordinator, replica, path""").show(max_width=160)
