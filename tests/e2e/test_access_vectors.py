"""sql/views.sql classifies every events row as rust-core/core/src/enrich/access.rs does: both answer the cases of
tests/vectors/access.json (the Rust side in `cargo test -p cdflow-core access`). No Cassandra node."""
import json

import duckdb
from cdflow_scripts.paths import REPO

VECTORS = json.loads((REPO / "tests" / "vectors" / "access.json").read_text())
TYPES = {"kind": "VARCHAR", "statement_type": "VARCHAR", "counter_write": "BOOLEAN", "cas_applied": "BOOLEAN",
         "error": "VARCHAR", "rows_returned": "INTEGER", "range_scan": "BOOLEAN", "tombstones": "INTEGER",
         "cells": "INTEGER", "cell_tombstones": "INTEGER"}
# The other columns the views name (NULL here).
OTHERS = {"event_time": "TIMESTAMP", "node": "VARCHAR", "keyspace_name": "VARCHAR", "table_name": "VARCHAR",
          "token": "BIGINT", "partition_key_hash": "BIGINT", "user_name": "VARCHAR", "owner": "VARCHAR", "team": "VARCHAR",
          "identity_kind": "VARCHAR", "external_identity": "VARCHAR", "client_address": "VARCHAR",
          "session_id": "VARCHAR", "consistency": "VARCHAR", "bytes": "BIGINT", "rows": "INTEGER"}


def test_sql_macros_classify_every_vector_as_rust_does(tmp_path):
    con = duckdb.connect()
    columns = ", ".join(f"{name} {kind}" for name, kind in {"case_no": "INTEGER", **TYPES, **OTHERS}.items())
    con.execute(f"CREATE TABLE cases ({columns})")
    for number, case in enumerate(VECTORS):
        row = case["row"]
        con.execute(f"INSERT INTO cases (case_no, {', '.join(TYPES)}) VALUES (?{', ?' * len(TYPES)})",
                    [number, *(row[name] for name in TYPES)])
    events = tmp_path / "lineage" / "events" / "node=127.0.0.1"
    events.mkdir(parents=True)
    con.execute(f"COPY cases TO '{events / 'part-0.parquet'}' (FORMAT parquet)")
    con.execute(f"SET VARIABLE lineage = '{tmp_path / 'lineage'}'")
    con.execute((REPO / "sql" / "views.sql").read_text())
    got = con.execute("""SELECT access_role, operation,
            CASE access_role WHEN 'request' THEN write_path WHEN 'apply' THEN kind END, outcome
        FROM classified_events ORDER BY case_no""").fetchall()
    want = [(c["role"], c["operation"], c["path"], c["outcome"]) for c in VECTORS]
    assert len(got) == len(want) >= 20
    for number, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"case {number}: {VECTORS[number]['row']}"
    requests = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    assert requests == sum(c["role"] == "request" for c in VECTORS)
    writes = con.execute("SELECT count(*) FROM writes").fetchone()[0]
    assert writes == sum(c["role"] == "request" and c["operation"] != "read" for c in VECTORS)
