"""The analyst's side on one real node: `cdflow antipatterns` finds each anti-pattern on the table built to show
it (one table per pattern, so every finding is attributable) and nothing on a clean table; `cdflow audit` passes an
allowed access and reports a forbidden one with who/what/where/when; `cdflow summary` and the DuckDB query pack
(sql/views.sql, sql/queries/*.sql) return the workload's numbers; bad input gets a clear error naming the file."""
import json
import pathlib
import shutil
import subprocess
from datetime import datetime, timezone

import duckdb
import pytest
from cassandra import ConsistencyLevel
from cassandra.query import BatchStatement, BatchType
from cdflow_scripts import build, cluster
from cdflow_scripts.cql import Client, create_role
from cdflow_scripts.paths import REPO

pytestmark = pytest.mark.every_cassandra_version  # also on 4.1 (conftest.py)

KS = "analyst"
LARGE = "--large-partition-bytes=1MiB"   # the default 100 MiB would take minutes to write
IDENTITY_MAP = """roles:
  svc_app: {owner: app-service, team: commerce, kind: service}
  bob: {owner: Bob Example, team: analytics, kind: person}
"""
TABLES = ["clean", "hot", "large", "tomb", "batches", "cl", "scan", "lwt", "ttl"]
# The findings each table must produce (and no other kind).
EXPECTED = {
    "clean": set(),
    "hot": {"hot_partition"},
    "large": {"large_partition"},
    "tomb": {"tombstone_heavy"},
    "batches": {"multi_partition_batch"},
    "cl": {"consistency_all"},
    "scan": {"range_scan"},
    "lwt": {"lwt_contention"},
    "ttl": {"ttl_tombstone_churn"},
}
POLICY = f"""# who may touch the {KS} keyspace
default: deny
rules:
  - name: services write and delete
    effect: allow
    kinds: [service]
    operations: [write, delete]
    keyspaces: [{KS}]
  - name: anyone mapped reads
    effect: allow
    kinds: [service, person]
    operations: [read]
"""


def run_all(session, statement, params_list):
    futures = [session.execute_async(statement, params) for params in params_list]
    return [f.result() for f in futures]


def workload(host):
    """Each table gets the access pattern named after it; returns the times around bob's forbidden delete."""
    with Client(host) as s:
        s.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
        for table in TABLES:
            s.execute(f"CREATE TABLE {KS}.{table} (k int, c int, v text, w blob, PRIMARY KEY (k, c))")
        create_role(s, "svc_app", "ps", KS)
        create_role(s, "bob", "pb", KS)
    with Client(host, "svc_app", "ps") as s:
        insert = {t: s.prepare(f"INSERT INTO {KS}.{t} (k, c, v) VALUES (?, ?, 'x')") for t in TABLES}
        run_all(s, insert["clean"], [(k, 0) for k in range(300)])
        # hot: 200 of 300 writes go to partition 1.
        run_all(s, insert["hot"], [(1 if i < 200 else i, i) for i in range(300)])
        # large: 20 writes of 64 KiB into one partition (1.25 MiB), too few requests to be hot.
        blob = s.prepare(f"INSERT INTO {KS}.large (k, c, w) VALUES (1, ?, ?)")
        run_all(s, blob, [(c, bytes(64 << 10)) for c in range(20)])
        # tomb: 1200 rows of one partition, then 1200 row deletes (batches of 100 in the partition), then a read.
        delete = s.prepare(f"DELETE FROM {KS}.tomb WHERE k = 1 AND c = ?")
        for statement in (insert["tomb"], delete):
            for start in range(0, 1200, 100):
                batch = BatchStatement(batch_type=BatchType.UNLOGGED)
                for c in range(start, start + 100):
                    batch.add(statement, (1, c) if statement is insert["tomb"] else (c,))
                s.execute(batch)
        list(s.execute(f"SELECT * FROM {KS}.tomb WHERE k = 1"))
        # batches: 5 unlogged batches over 12 partitions each.
        for b in range(5):
            batch = BatchStatement(batch_type=BatchType.UNLOGGED)
            for j in range(12):
                batch.add(insert["batches"], (b * 12 + j, 0))
            s.execute(batch)
        # cl: 120 writes at ALL.
        at_all = s.prepare(f"INSERT INTO {KS}.cl (k, c, v) VALUES (?, 0, 'x')")
        at_all.consistency_level = ConsistencyLevel.ALL
        run_all(s, at_all, [(k,) for k in range(120)])
        # scan: 12 full-table reads.
        run_all(s, insert["scan"], [(k, 0) for k in range(10)])
        for _ in range(12):
            list(s.execute(f"SELECT * FROM {KS}.scan"))
        # lwt: 40 concurrent compare-and-set updates of one row, most of them losing.
        s.execute(f"INSERT INTO {KS}.lwt (k, c, v) VALUES (1, 0, '0')")
        cas = s.prepare(f"UPDATE {KS}.lwt SET v = ? WHERE k = 1 AND c = 0 IF v = ?")
        run_all(s, cas, [(str(i + 1), str(i)) for i in range(40)])
        # ttl: 400 TTL'd writes rewriting 50 partitions (3 TTL'd cells each: v, w and the row's liveness).
        ttl = s.prepare(f"INSERT INTO {KS}.ttl (k, c, v, w) VALUES (?, ?, 'x', 0x00) USING TTL 600")
        run_all(s, ttl, [(i % 50, i) for i in range(400)])
    with Client(host, "bob", "pb") as s:
        read = s.prepare(f"SELECT * FROM {KS}.clean WHERE k = ?")
        run_all(s, read, [(k,) for k in range(30)])
        before = datetime.now(timezone.utc)
        s.execute(f"DELETE FROM {KS}.clean WHERE k = 0")  # forbidden by POLICY
        after = datetime.now(timezone.utc)
    # SSTable lineage: two flushes of `clean`, then a major compaction.
    assert cluster.nodetool(["flush", KS, "clean"]) == 0
    with Client(host, "svc_app", "ps") as s:
        run_all(s, s.prepare(f"INSERT INTO {KS}.clean (k, c, v) VALUES (?, 1, 'y')"), [(k,) for k in range(300, 310)])
    assert cluster.nodetool(["flush", KS, "clean"]) == 0
    assert cluster.nodetool(["compact", KS, "clean"]) == 0
    return before, after


@pytest.fixture(scope="module")
def lineage(start_cluster, tmp_path_factory):
    identity_map = tmp_path_factory.mktemp("identity") / "identity-map.yaml"
    identity_map.write_text(IDENTITY_MAP)
    node = start_cluster("analyst", agent_opts=f"identity_map={identity_map}")
    before, after = workload(cluster.address(1))
    node.stop()
    return {"dir": node.lineage, "node": cluster.address(1), "forbidden": (before, after)}


@pytest.fixture(scope="module")
def cli():
    return str(build.build_cli())


def cdflow(cli, *args):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=300)


def findings_by_table(cli, lineage, *extra):
    out = cdflow(cli, "antipatterns", lineage["dir"], "--keyspace", KS, "--format", "json", LARGE, *extra)
    assert out.returncode == 0, out.stderr
    found = {}
    for finding in json.loads(out.stdout)["findings"]:
        found.setdefault(finding["table"].split(".", 1)[1], []).append(finding)
    return found


@pytest.mark.parametrize("table", [t for t in TABLES if t != "lwt"])
def test_each_table_shows_exactly_its_antipattern(cli, lineage, table):
    found = findings_by_table(cli, lineage)
    kinds = {f["kind"] for f in found.get(table, [])}
    assert kinds == EXPECTED[table], found.get(table)
    for finding in found.get(table, []):
        assert finding["count"] > 0 and finding["first"] and finding["last"]
        assert finding["roles"][0]["role"] in ("svc_app", "(no role)")


def test_lwt_contention_is_found(cli, lineage):
    """Needs the agent's cas_applied / paxos_attempts columns (added by the LWT coverage work). The contended row
    may also be reported as a hot partition (Paxos reads and writes all go to it)."""
    found = findings_by_table(cli, lineage)
    kinds = {f["kind"] for f in found.get("lwt", [])}
    assert "lwt_contention" in kinds and kinds <= {"lwt_contention", "hot_partition"}, found.get("lwt")
    lwt, = [f for f in found["lwt"] if f["kind"] == "lwt_contention"]
    assert lwt["count"] >= 40 and lwt["details"]["not_applied"] > 0


def test_findings_carry_their_evidence(cli, lineage):
    found = findings_by_table(cli, lineage)
    hot, = found["hot"]
    assert hot["count"] == 200 and hot["details"]["table_requests"] == 300
    assert hot["share"] == pytest.approx(200 / 300)
    assert hot["roles"] == [{"role": "svc_app", "count": 200}]
    large, = found["large"]
    assert large["details"]["rows_written"] == 20 and large["details"]["bytes_written"] >= 20 * (64 << 10)
    by_cause = {f["details"]["cause"]: f for f in found["tomb"]}
    assert by_cause["deletes"]["details"]["tombstones_written"] == 1200
    assert by_cause["reads"]["details"]["max_tombstones_scanned"] >= 1200
    batch, = found["batches"]
    assert batch["details"]["batches"] == 5 and batch["details"]["max_batch_partitions"] == 12
    cl, = found["cl"]
    assert cl["count"] == 120 and cl["share"] == 1.0
    scan, = found["scan"]
    assert scan["count"] == 12 and scan["details"]["rows_returned"] == 120
    ttl, = found["ttl"]
    assert ttl["details"]["ttl_partitions"] == 50 and ttl["count"] == 400
    assert ttl["details"]["ttl_cells"] == 1200
    text = cdflow(cli, "antipatterns", lineage["dir"], "--keyspace", KS, LARGE).stdout
    assert f"hot_partition  {KS}.hot" in text and "roles: svc_app (200)" in text


def test_audit_passes_allowed_access_and_reports_the_forbidden_one(cli, lineage, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    allowed = cdflow(cli, "audit", lineage["dir"], "--policy", policy, "--keyspace", KS, "--role", "svc_app")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "0 violation(s)" in allowed.stdout
    denied = cdflow(cli, "audit", lineage["dir"], "--policy", policy, "--keyspace", KS, "--format", "json")
    assert denied.returncode == 1, denied.stderr
    report = json.loads(denied.stdout)
    assert report["violations"] == 1
    group, = report["groups"]
    assert group["rule"] == "default: deny"
    who = group["who"]
    assert (who["role"], who["owner"], who["team"], who["kind"]) == ("bob", "Bob Example", "analytics", "person")
    assert who["clients"] == ["127.0.0.1"] and who["clients_count"] == 1
    assert group["what"]["operation"] == "delete" and group["what"]["table"] == f"{KS}.clean"
    assert all(isinstance(p, str) for p in group["what"]["partitions"]) and group["what"]["partitions_count"] == 1
    assert group["where"] == {"nodes": [lineage["node"]], "nodes_count": 1}
    assert [r["name"] for r in report["rules"]] == ["services write and delete", "anyone mapped reads", "default"]
    assert report["rules"][-1]["violations"] == 1
    before, after = lineage["forbidden"]
    when = datetime.fromisoformat(group["when"]["first"].replace("Z", "+00:00"))
    assert before <= when <= after
    text = cdflow(cli, "audit", lineage["dir"], "--policy", policy, "--keyspace", KS)
    assert text.returncode == 1
    assert "who:   role bob (owner Bob Example, team analytics, person)" in text.stdout
    assert f"what:  delete via statement on {KS}.clean" in text.stdout


def test_summary_counts_the_workload(cli, lineage):
    out = cdflow(cli, "summary", lineage["dir"], "--keyspace", KS, "--format", "json", "--max-rows", "20")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    tables = {t["table"]: t for t in summary["tables"]}
    assert tables[f"{KS}.hot"]["writes"] == 300
    assert tables[f"{KS}.tomb"]["tombstones_written"] == 1200
    assert tables[f"{KS}.clean"]["flushes"] == 2 and tables[f"{KS}.clean"]["compactions"] == 1
    assert summary["partitions"][0]["partition"].startswith(f"{KS}.hot ")
    assert summary["partitions"][0]["writes"] == 200
    agent, = summary["agents"]
    assert agent["node"] == lineage["node"] and agent["dropped"] == 0 and agent["written"] > 0
    clients = {c["client"]: c for c in summary["clients"]}
    assert clients["role:bob"]["reads"] == 30 and clients["role:bob"]["tombstones_written"] == 1
    text = cdflow(cli, "summary", lineage["dir"], "--keyspace", KS, "--role", "bob").stdout
    assert "role:bob" in text and "role:svc_app" not in text


def views(lineage, **variables):
    con = duckdb.connect()
    for name, value in {"lineage": lineage["dir"], **variables}.items():
        con.execute(f"SET VARIABLE {name} = '{value}'")
    con.execute((REPO / "sql" / "views.sql").read_text())
    return con


def query(con, name):
    return con.execute((REPO / "sql" / "queries" / f"{name}.sql").read_text()).fetchall()


def test_views_and_every_query_run(lineage):
    con = views(lineage)
    for path in sorted((REPO / "sql" / "queries").glob("*.sql")):
        con.execute(path.read_text()).fetchall()
    assert con.execute("SELECT count(*) FROM flows").fetchall() >= [(0,)]
    empty = pathlib.Path(lineage["dir"]).parent / "lineage-events-only"
    shutil.rmtree(empty, ignore_errors=True)
    shutil.copytree(pathlib.Path(lineage["dir"]) / "events", empty / "events")
    bare = views({"dir": empty})
    assert bare.execute("SELECT count(*) FROM flushes").fetchall() == [(0,)]
    assert bare.execute("SELECT count(*) FROM sstable_edges").fetchall() == [(0,)]


def test_queries_return_the_workload_numbers(lineage):
    con = views(lineage, keyspace_name=KS, table_name="hot")
    top = query(con, "top_partitions")
    assert top[0][:2] == ("writes", 1) and top[0][5] == 200
    con = views(lineage)
    tomb = [r for r in query(con, "tombstone_producers") if r[2] == f"{KS}.tomb"]
    assert [(r[0], r[5], r[8]) for r in tomb] == [("svc_app", 1200, 1200)]
    con = views(lineage, keyspace_name=KS, table_name="clean")
    # columns: tbl, role, owner, team, kind, operation, write_path, requests, not_applied, …
    touched = {(r[1], r[5], r[6]): r[7] for r in query(con, "who_touched_table")}
    assert touched == {("svc_app", "write", "statement"): 310, ("bob", "read", None): 30,
                       ("bob", "delete", "statement"): 1}
    before, after = lineage["forbidden"]
    con = views(lineage, keyspace_name=KS, table_name="clean", since=before.strftime("%Y-%m-%d %H:%M:%S.%f"),
                until=after.strftime("%Y-%m-%d %H:%M:%S.%f"))
    assert [(r[1], r[5], r[7]) for r in query(con, "who_touched_table")] == [("bob", "delete", 1)]
    con = views(lineage, keyspace_name=KS, table_name="clean")
    walk = query(con, "sstable_lineage")
    assert [(r[0], r[4]) for r in walk] == [(0, "compaction"), (1, "flush"), (1, "flush")]
    con = views(lineage)
    kinds = {(r[0], r[1]): r[4] for r in query(con, "service_vs_people")}
    assert kinds[(f"{KS}.clean", "service")] == 310 and kinds[(f"{KS}.clean", "person")] == 1
    result = con.execute((REPO / "sql" / "queries" / "dropped_events.sql").read_text())
    (row,) = [dict(zip([c[0] for c in result.description], r, strict=True)) for r in result.fetchall()]
    assert row["node"] == lineage["node"] and row["agent_instances"] == 1 and row["written"] > 0
    assert row["dropped"] == 0 and row["balance"] == "balanced" and row["unknown_columns"] is None


def test_bad_input_gets_a_clear_error_naming_the_file(cli, lineage, tmp_path):
    missing = tmp_path / "missing"
    out = cdflow(cli, "summary", missing)
    assert out.returncode == 2 and out.stderr.strip() == f"cdflow: no such lineage directory: {missing}"
    broken = tmp_path / "broken"
    shutil.copytree(pathlib.Path(lineage["dir"]) / "events", broken / "events")
    bad = broken / "events" / "node=x" / "date=2026-11-25" / "part-bad.parquet"
    bad.parent.mkdir(parents=True)
    bad.write_text("not parquet")
    out = cdflow(cli, "antipatterns", broken)
    assert out.returncode == 2 and f"cannot read {bad}: not a readable Parquet file" in out.stderr
    newer = tmp_path / "newer"
    target = newer / "events" / "node=x" / "date=2026-11-25" / "part-new.parquet"
    target.parent.mkdir(parents=True)
    duckdb.connect().execute(f"COPY (SELECT 'coordinator_write' AS kind) TO '{target}' "
                             "(FORMAT parquet, KV_METADATA {'cdflow.schema_version': '7'})")
    out = cdflow(cli, "summary", newer)
    assert out.returncode == 2, out.stdout
    assert f"cannot read {target}: lineage schema version 7 is unknown to this cdflow" in out.stderr


def rewrite_with_duckdb(lineage_dir, target, compression):
    """The lineage rewritten by DuckDB (`COPY … (FORMAT parquet, COMPRESSION …)`), file by file at the same paths:
    DuckDB's encodings and row groups, no cdflow key-value metadata."""
    source = pathlib.Path(lineage_dir)
    con = duckdb.connect()
    for table in ("events", "flushes", "compactions", "agent_stats"):
        for path in sorted((source / table).glob("**/*.parquet")):
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT * FROM read_parquet('{path}', hive_partitioning = false)) TO '{out}' "
                        f"(FORMAT parquet, COMPRESSION {compression})")
    return target


@pytest.mark.parametrize("compression", ["snappy", "gzip", "lz4", "zstd"])
def test_lineage_rewritten_by_duckdb_gives_the_same_summary(cli, lineage, tmp_path, compression):
    copy = rewrite_with_duckdb(lineage["dir"], tmp_path / "lineage", compression)
    codecs = duckdb.sql(f"SELECT DISTINCT compression FROM parquet_metadata('{copy}/events/**/*.parquet')").fetchall()
    assert {codec.upper() for codec, in codecs} <= {compression.upper(), "LZ4_RAW", "UNCOMPRESSED"}, codecs
    for args in ([], ["--format", "json"], ["--keyspace", KS, "--role", "bob"]):
        original = cdflow(cli, "summary", lineage["dir"], *args)
        rewritten = cdflow(cli, "summary", copy, *args)
        assert original.returncode == 0 and rewritten.returncode == 0, rewritten.stderr
        assert rewritten.stderr == ""
        assert rewritten.stdout == original.stdout
    found = cdflow(cli, "antipatterns", copy, "--keyspace", KS, "--format", "json", LARGE)
    assert found.stdout == cdflow(cli, "antipatterns", lineage["dir"], "--keyspace", KS, "--format", "json",
                                  LARGE).stdout


def test_events_merged_into_one_duckdb_file_read_when_named(cli, lineage, tmp_path):
    merged = tmp_path / "y.parquet"
    duckdb.execute(f"COPY (SELECT * FROM read_parquet('{lineage['dir']}/events/**/*.parquet', hive_partitioning = false)) "
                   f"TO '{merged}' (FORMAT parquet, COMPRESSION snappy)")
    one = cdflow(cli, "summary", merged, "--format", "json")
    assert one.returncode == 0, one.stderr
    assert one.stdout == cdflow(cli, "summary", pathlib.Path(lineage["dir"]) / "events", "--format", "json").stdout
