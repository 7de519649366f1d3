"""Lightweight transactions (Paxos v1 and v2), counters and the batchlog of logged batches on a real node.
Exact where the operation is exact. Every write path is a write: `cdflow audit`, `cdflow summary` and the SQL views
classify them alike (rust-core/core/src/enrich/access.rs); `mutation_fanout` pairs writes that share an explicit timestamp."""
import json
import pathlib
import subprocess
import time

import duckdb
import pytest
from cassandra.query import BatchStatement, BatchType
from cdflow_scripts import build, cluster, report
from cdflow_scripts.cql import Client, create_role
from cdflow_scripts.paths import REPO

pytestmark = pytest.mark.every_cassandra_version  # also on 4.1 (conftest.py)

KS = "families"
COUNTER_DELTA = 5
BATCH_KEYS = (301, 302, 303)
STAMPED = 3       # writes into one partition sharing one explicit timestamp (USING TIMESTAMP)
SET_PAXOS_VARIANT = pathlib.Path(__file__).with_name("SetPaxosVariant.java")


def set_paxos_variant(variant):
    """Switches node 1 to `variant` over JMX (StorageProxy.PaxosVariant)."""
    out = subprocess.run(["java", str(SET_PAXOS_VARIANT), "127.0.0.1", str(cluster.jmx_port(1)), variant],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == variant


@pytest.fixture(scope="module")
def lineage(start_cluster):
    node = start_cluster("lwt_counters_batchlog")
    host = cluster.address(1)
    with Client(host=host) as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        s.execute(f"CREATE TABLE {KS}.accounts (k int PRIMARY KEY, v text)")
        s.execute(f"CREATE TABLE {KS}.accounts_v2 (k int PRIMARY KEY, v text)")
        s.execute(f"CREATE TABLE {KS}.hits (k int PRIMARY KEY, n counter)")
        s.execute(f"CREATE TABLE {KS}.logged (k int, c int, v text, PRIMARY KEY (k, c))")
        s.execute(f"CREATE TABLE {KS}.stamped (k int, c int, v text, PRIMARY KEY (k, c))")
        create_role(s, "svc_app", "pa", KS)
    applied = {}
    with Client(host=host, user="svc_app", password="pa") as s:
        # Paxos v1 (the default)
        applied["insert"] = s.execute(f"INSERT INTO {KS}.accounts (k, v) VALUES (1, 'a') IF NOT EXISTS").one()[0]
        applied["duplicate"] = s.execute(f"INSERT INTO {KS}.accounts (k, v) VALUES (1, 'b') IF NOT EXISTS").one()[0]
        applied["update"] = s.execute(f"UPDATE {KS}.accounts SET v = 'c' WHERE k = 1 IF v = 'a'").one()[0]
        s.execute(f"UPDATE {KS}.hits SET n = n + {COUNTER_DELTA} WHERE k = 1")
        logged = BatchStatement(batch_type=BatchType.LOGGED)
        row = s.prepare(f"INSERT INTO {KS}.logged (k, c, v) VALUES (?, 0, 'b')")
        for k in BATCH_KEYS:
            logged.add(row, (k,))
        s.execute(logged)
        for c in range(STAMPED):
            s.execute(f"INSERT INTO {KS}.stamped (k, c, v) VALUES (1, {c}, 'x') USING TIMESTAMP 42")
        counter = s.execute(f"SELECT n FROM {KS}.hits WHERE k = 1").one()[0]
    set_paxos_variant("v2")
    with Client(host=host, user="svc_app", password="pa") as s:
        applied["v2_insert"] = s.execute(f"INSERT INTO {KS}.accounts_v2 (k, v) VALUES (1, 'a') IF NOT EXISTS").one()[0]
        applied["v2_duplicate"] = s.execute(
            f"INSERT INTO {KS}.accounts_v2 (k, v) VALUES (1, 'b') IF NOT EXISTS").one()[0]
    assert applied == {"insert": True, "duplicate": False, "update": True, "v2_insert": True,
                       "v2_duplicate": False}
    assert counter == COUNTER_DELTA
    time.sleep(1)  # the batchlog entry is removed once every mutation of the batch is acknowledged
    node.stop()    # graceful: the agent flushes and renames every file
    return node.lineage


def query(lineage, sql):
    return report.connect(lineage).execute(sql).fetchall()


def test_lwt_v1_applied_and_not_applied(lineage):
    rows = query(lineage, f"""SELECT statement_type, cas_applied, paxos_attempts, paxos_prepares, paxos_proposes,
            paxos_commits, paxos_ballot IS NOT NULL, serial_consistency, consistency, paxos_variant, user_name,
            error, latency_us > 0
        FROM events WHERE kind = 'cas' AND keyspace_name = '{KS}' AND table_name = 'accounts' ORDER BY event_time""")
    assert rows == [
        ("INSERT", True, 1, 1, 1, 1, True, "SERIAL", "LOCAL_ONE", "v1", "svc_app", None, True),
        ("INSERT", False, 1, 1, 1, 0, True, "SERIAL", "LOCAL_ONE", "v1", "svc_app", None, True),
        ("UPDATE", True, 1, 1, 1, 1, True, "SERIAL", "LOCAL_ONE", "v1", "svc_app", None, True),
    ]


def test_lwt_writes_are_applied_as_paxos_commits_with_their_ballot(lineage):
    rows = query(lineage, f"""SELECT c.table_name, c.rows, c.cells, c.applied_locally, c.user_name
        FROM events c JOIN events cas ON cas.kind = 'cas' AND cas.paxos_ballot = c.paxos_ballot
            AND cas.partition_key_hash = c.partition_key_hash
        WHERE c.kind = 'paxos_commit' AND c.keyspace_name = '{KS}' ORDER BY c.event_time""")
    assert rows == [("accounts", 1, 1, True, "svc_app"), ("accounts", 1, 1, True, "svc_app"),
                    ("accounts_v2", 1, 1, True, "svc_app")]
    no_ballot = query(lineage, f"""SELECT count(*) FROM events WHERE kind = 'paxos_commit' AND keyspace_name = '{KS}'
        AND paxos_ballot IS NULL""")
    assert no_ballot == [(0,)]


def test_lwt_v2(lineage):
    rows = query(lineage, f"""SELECT cas_applied, paxos_attempts, paxos_prepares >= 1, paxos_proposes, paxos_commits,
            paxos_variant, user_name
        FROM events WHERE kind = 'cas' AND keyspace_name = '{KS}' AND table_name = 'accounts_v2'
        ORDER BY event_time""")
    # v2 answers a failed condition without proposing when its read was already linearizable
    assert rows == [(True, 1, True, 1, 1, "v2", "svc_app"), (False, 1, True, 0, 0, "v2", "svc_app")]


def test_counter_update_is_led_by_the_coordinator_under_the_client_identity(lineage):
    rows = query(lineage, f"""SELECT kind, user_name, counter_write, applied_locally, counter_leader = node,
            statement_type
        FROM events WHERE keyspace_name = '{KS}' AND table_name = 'hits' AND kind NOT LIKE '%_read'
        ORDER BY kind""")
    assert rows == [
        ("coordinator_write", "svc_app", True, False, None, "UPDATE"),
        ("counter_leader_apply", "svc_app", True, True, True, "UPDATE"),
        ("replica_write", "svc_app", True, True, None, "UPDATE"),
    ]
    forwards = query(lineage, "SELECT count(*) FROM events WHERE kind = 'counter_forward'")
    assert forwards == [(0,)]  # one node: the coordinator is always the leader


def test_non_counter_writes_are_not_marked_counter(lineage):
    rows = query(lineage, f"""SELECT count(*) FROM events WHERE keyspace_name = '{KS}' AND table_name != 'hits'
        AND counter_write""")
    assert rows == [(0,)]


def test_logged_batch_is_stored_and_removed_from_the_batchlog(lineage):
    rows = query(lineage, """SELECT s.batchlog_mutations, s.applied_locally, s.user_name, count(r.batchlog_id)
        FROM events s LEFT JOIN events r ON r.kind = 'batchlog_remove' AND r.batchlog_id = s.batchlog_id
        WHERE s.kind = 'batchlog_store' GROUP BY ALL""")
    assert rows == [(len(BATCH_KEYS), True, "svc_app", 1)]
    writes = query(lineage, f"""SELECT count(*), count(DISTINCT w.batch_id)
        FROM events w JOIN events s ON s.kind = 'batchlog_store' AND s.batchlog_id = w.batch_id
        WHERE w.kind = 'coordinator_write' AND w.keyspace_name = '{KS}' AND w.table_name = 'logged'""")
    assert writes == [(len(BATCH_KEYS), 1)]
    assert query(lineage, "SELECT count(*) FROM events WHERE keyspace_name LIKE 'system%'") == [(0,)]


def test_nothing_is_dropped(lineage):
    con = report.connect(lineage)
    total = sum(con.execute(f"SELECT count(*) FROM read_parquet('{lineage}/{t}/**/*.parquet')").fetchall()[0][0]
                for t in ("events", "flushes", "compactions", "sstables", "auth_events")
                if any(lineage.glob(f"{t}/**/*.parquet")))
    seen, written, dropped = con.execute("""SELECT agent_events_seen, written,
            agent_dropped + dropped_queue_full + rejected
        FROM agent_stats ORDER BY stats_time DESC, written DESC LIMIT 1""").fetchall()[0]
    assert (seen, written, dropped) == (total, total, 0)


@pytest.fixture(scope="module")
def cli():
    return str(build.build_cli())


DENY_WRITES = f"""default: allow
rules:
  - name: svc_app writes nothing in {KS}
    effect: deny
    roles: [svc_app]
    operations: [write, delete]
    keyspaces: [{KS}]
"""
# (table, write path, outcome) → requests: LWT inserts and a conditional update (Paxos v1 and v2, applied and not),
# a counter update, a logged batch over three partitions, plain inserts.
WRITE_PATHS = {
    ("accounts", "lwt", "ok"): 2, ("accounts", "lwt", "not_applied"): 1,
    ("accounts_v2", "lwt", "ok"): 1, ("accounts_v2", "lwt", "not_applied"): 1,
    ("hits", "counter", "ok"): 1,
    ("logged", "logged_batch", "ok"): len(BATCH_KEYS),
    ("stamped", "statement", "ok"): STAMPED,
}


def test_audit_of_a_role_denied_writes_names_each_write_path(cli, lineage, tmp_path):
    policy = tmp_path / "deny-writes.yaml"
    policy.write_text(DENY_WRITES)
    out = subprocess.run([cli, "audit", str(lineage), "--policy", str(policy), "--keyspace", KS, "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    audit = json.loads(out.stdout)
    groups = {(g["what"]["table"].split(".")[1], g["what"]["write_path"], g["what"]["outcome"]): g["count"]
              for g in audit["groups"]}
    assert groups == WRITE_PATHS
    # the SELECT of the counter is the only read: the v1 condition reads are part of their LWTs
    assert (audit["requests"], audit["violations"]) == (sum(WRITE_PATHS.values()) + 1, sum(WRITE_PATHS.values()))
    text = subprocess.run([cli, "audit", str(lineage), "--policy", str(policy), "--keyspace", KS],
                          capture_output=True, text=True, timeout=300).stdout
    for what in ("write via lwt on", "write via lwt, attempted (not applied) on", "write via counter on",
                 "write via logged_batch on", "write via statement on"):
        assert f"what:  {what} {KS}." in text, text


def views(lineage):
    con = duckdb.connect()
    con.execute(f"SET VARIABLE lineage = '{lineage}'")
    con.execute((REPO / "sql" / "views.sql").read_text())
    con.execute((REPO / "sql" / "mutation_fanout.sql").read_text())
    return con


def test_sql_views_classify_the_writes_as_the_cli_does(cli, lineage):
    rows = views(lineage).execute(f"""SELECT table_name, write_path, outcome, count(*) FROM requests
        WHERE keyspace_name = '{KS}' AND user_name = 'svc_app' AND operation IN ('write', 'delete')
        GROUP BY ALL""").fetchall()
    assert {(t, p, o): n for t, p, o, n in rows} == WRITE_PATHS
    reads = views(lineage).execute(f"SELECT table_name, count(*) FROM reads WHERE keyspace_name = '{KS}' GROUP BY ALL")
    assert reads.fetchall() == [("hits", 1)]
    out = subprocess.run([cli, "summary", str(lineage), "--keyspace", KS, "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    paths = {p["write_path"]: (p["writes"], p["not_applied"]) for p in summary["write_paths"]}
    assert paths == {"statement": (STAMPED, 0), "counter": (1, 0), "logged_batch": (len(BATCH_KEYS), 0),
                     "lwt": (5, 2)}
    assert summary["requests"]["reads"] == 1
    # every LWT write applied (paxos_commit) is a replica write of its table
    tables = {t["table"]: t for t in summary["tables"]}
    assert tables[f"{KS}.accounts"]["replica_writes"] == 2 and tables[f"{KS}.accounts_v2"]["replica_writes"] == 1


def test_who_touched_table_reports_lwts_as_writes(lineage):
    con = views(lineage)
    con.execute(f"SET VARIABLE keyspace_name = '{KS}'")
    con.execute("SET VARIABLE table_name = 'accounts'")
    rows = con.execute((REPO / "sql" / "queries" / "who_touched_table.sql").read_text()).fetchall()
    assert [(r[1], r[5], r[6], r[7], r[8]) for r in rows] == [("svc_app", "write", "lwt", 3, 1)]


def test_mutation_fanout_has_one_row_per_write_and_replica_with_shared_timestamps(lineage):
    con = views(lineage)
    rows = con.execute(f"""SELECT path, count(*), count(DISTINCT coordinator_time), count(DISTINCT replica_time)
        FROM mutation_fanout WHERE keyspace_name = '{KS}' AND table_name = 'stamped' GROUP BY ALL""").fetchall()
    assert rows == [("local", STAMPED, STAMPED, STAMPED)]
    writes = con.execute(f"""SELECT count(*), count(DISTINCT write_timestamp) FROM events
        WHERE kind = 'coordinator_write' AND keyspace_name = '{KS}' AND table_name = 'stamped'""").fetchall()
    assert writes == [(STAMPED, 1)]
    total = con.execute(f"SELECT count(*) FROM mutation_fanout WHERE keyspace_name = '{KS}'").fetchall()
    assert total == con.execute(f"""SELECT count(*) FROM events WHERE kind = 'replica_write'
        AND keyspace_name = '{KS}'""").fetchall()
