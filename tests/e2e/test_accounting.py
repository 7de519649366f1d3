"""Exact accounting under saturation, end to end: a real node with the real agent, driven by the Java load generator
(tests/bench/loadgen) as fast as the node answers for CDFLOW_SATURATION_SECONDS (default 300), then stopped
gracefully. The agent's final counters must show no event dropped, for any cause, and every event seen written
(docs/schema.md, "Accounting"); `written` must be the rows in the lineage files, and every acknowledged write must
have its row."""
import json
import os
import re
import subprocess

import pytest
from cdflow_scripts import bench, build, report

SECONDS = int(os.environ.get("CDFLOW_SATURATION_SECONDS", "300"))
CONCURRENCY = 128
LINEAGE_TABLES = ("events", "flushes", "compactions", "sstables", "auth_events")
DROP_CAUSES = ("agent_dropped_busy", "agent_dropped_not_running", "agent_dropped_submit_error", "agent_dropped_other",
               "dropped_queue_full", "rejected", "skipped_records", "dropped_write_failed", "dropped_disk_bound")


def saturate(address, seconds, log_path):
    """Runs the load generator against `address` at the highest rate the node answers; returns its JSON line."""
    bench.ensure_loadgen()
    cmd = ["java", "-Xms512m", "-Xmx512m", "-jar", str(bench.LOADGEN_JAR), "--host", address,
           "--duration", str(seconds), "--warmup", "0", "--concurrency", str(CONCURRENCY), "--rate", "0",
           "--workload", "insert", "--progress", "30"]
    with open(log_path, "w") as err:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, check=True,
                             timeout=seconds + 300).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def final_stats(lineage):
    """The last agent_stats row (the one written at shutdown), as a dict."""
    result = report.views(lineage).execute(
        "SELECT * FROM agent_stats ORDER BY stats_time DESC, written DESC LIMIT 1")
    return dict(zip([c[0] for c in result.description], result.fetchone(), strict=True))


def stop_line(node):
    """The agent's `cdflow-agent: stopped: ...` line from the node's stdout."""
    lines = [line for line in node.stdout_log.read_text(errors="replace").splitlines()
             if "cdflow-agent: stopped:" in line]
    return lines[-1] if lines else None


@pytest.fixture(scope="module")
def cli():
    return build.build_cli()  # before the node starts: no compiler competes with the load, the lock is held less


@pytest.fixture(scope="module")
def saturated(cli, start_cluster):
    cluster = start_cluster("accounting")
    node = cluster.node()
    load = saturate(node.address, SECONDS, cluster.dir / "loadgen.log")
    cluster.stop()  # graceful: Cassandra drains, the agent submits both buffers of every thread, the core closes files
    stats = final_stats(cluster.lineage)
    print(f"\nload: {load['ops_per_s']} writes/s for {load['seconds']} s ({load['ops']} acknowledged, "
          f"{load['errors']} errors, p99 {load['p99_us']} us)\nagent_stats: {stats}\n{stop_line(node)}")
    return {"lineage": cluster.lineage, "load": load, "stats": stats, "node": node}


def test_no_event_is_dropped_for_any_cause(saturated):
    stats = saturated["stats"]
    assert saturated["load"]["ops"] > 0
    assert {cause: stats[cause] for cause in DROP_CAUSES} == {cause: 0 for cause in DROP_CAUSES}
    assert stats["agent_dropped"] == 0
    assert (stats["removed_rows"], stats["recovered_rows"]) == (0, 0)


def test_every_event_seen_is_written_exactly_once(saturated):
    stats = saturated["stats"]
    dropped = stats["agent_dropped"] + sum(stats[cause] for cause in DROP_CAUSES[4:])
    assert stats["agent_events_seen"] == stats["written"] - stats["recovered_rows"] + dropped
    assert stats["agent_events_seen"] == stats["offered"] == stats["accepted"] == stats["written"]
    con = report.views(saturated["lineage"])
    rows = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in LINEAGE_TABLES}
    assert sum(rows.values()) == stats["written"], rows
    assert list(saturated["lineage"].rglob("*.inprogress")) == []


def test_every_acknowledged_write_has_its_rows(saturated):
    con = report.views(saturated["lineage"])
    (coordinator, replica), = con.execute("""
        SELECT count(*) FILTER (kind = 'coordinator_write'), count(*) FILTER (kind = 'replica_write')
        FROM events WHERE keyspace_name = 'cdflow_bench' AND table_name = 'events'""").fetchall()
    load = saturated["load"]
    assert coordinator >= load["ops"] + load["warmup_ops"]
    assert replica == coordinator  # RF 1: each write applied once, locally


def test_the_agent_and_its_readers_report_the_balance(saturated, cli):
    line = stop_line(saturated["node"])
    assert line is not None
    assert re.search(r"agent_dropped=0 \(busy=0 not_running=0 submit_error=0 other=0\)", line), line
    accounting, = report.accounting(saturated["lineage"])
    assert (accounting["balance"], accounting["dropped"], accounting["unknown_columns"]) == ("balanced", 0, None)
    summary = subprocess.run([str(cli), "summary", str(saturated["lineage"]), "--format", "json"],
                             capture_output=True, text=True, check=True)
    agent, = json.loads(summary.stdout)["agents"]
    assert (agent["balanced"], agent["dropped"], agent["unaccounted"]) == (True, 0, 0)
