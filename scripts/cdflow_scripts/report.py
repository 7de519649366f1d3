"""The analyst's first look at a lineage directory, in DuckDB."""
import pathlib

import duckdb


def connect(lineage):
    """A DuckDB connection with views `events` and `agent_stats` over every node's files."""
    lineage = pathlib.Path(lineage)
    if not any(lineage.glob("events/**/*.parquet")):
        raise SystemExit(f"no lineage files under {lineage}/events: see the node's stdout.log for cdflow lines")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{lineage}/events/**/*.parquet', "
                "hive_partitioning = true, union_by_name = true)")
    stats = list(lineage.glob("agent_stats/**/*.parquet"))
    if stats:
        con.execute(f"CREATE VIEW agent_stats AS SELECT * FROM read_parquet('{lineage}/agent_stats/**/*.parquet', "
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
    ("Top 10 partitions by writes (keyed hash, never the raw key)", """
        SELECT keyspace_name, table_name, partition_key_hash, any_value(token) AS token, count(*) AS writes
        FROM events WHERE kind = 'coordinator_write'
        GROUP BY keyspace_name, table_name, partition_key_hash ORDER BY writes DESC LIMIT 10"""),
    ("Events by node and kind", """
        SELECT node, kind, count(*) AS events, min(event_time) AS first, max(event_time) AS last,
               round(count(*) / greatest(epoch(max(event_time)) - epoch(min(event_time)), 0.001), 1) AS events_per_s
        FROM events GROUP BY ALL ORDER BY node, kind"""),
    ("Agent counters (last row per node; dropped = agent_dropped + dropped_queue_full + rejected)", """
        SELECT node, agent_events_seen, offered, accepted, written, files,
               agent_dropped + dropped_queue_full + rejected AS dropped
        FROM agent_stats QUALIFY row_number() OVER (PARTITION BY node ORDER BY stats_time DESC, written DESC) = 1
        ORDER BY node"""),
]


def print_report(lineage):
    con = connect(lineage)
    has_stats = bool(con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'agent_stats'").fetchall()[0][0])
    for title, query in SECTIONS:
        if "agent_stats" in query and not has_stats:
            print(f"\n== {title}\n(no agent_stats files yet)")
            continue
        print(f"\n== {title}")
        con.sql(query).show(max_width=160)
