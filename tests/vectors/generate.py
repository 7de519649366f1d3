#!/usr/bin/env python3
"""Writes tests/vectors/wire-v1.json: the shared test vectors of docs/wire-format.md.

This is an independent encoder of the format (the Java agent and the Rust core are the other two).
Valid cases list their string definitions (emitted first, in id order) and their events; the Java
tests must encode exactly `hex` from them and the Rust tests must decode `hex` back to them.
Field ids and types come from fields.json (the core's registry, exported by its parity test); fields
are named here by the column they feed. Run it after changing the format and commit the JSON it writes;
`generate.py --check` (run by the core's parity tests) fails when the committed JSON is not what it writes.
"""
import json
import pathlib
import struct
import sys

MAGIC = b"CDF1"
STRING_DEF, MUTATION_EVENT, TAGGED_EVENT = 0x01, 0x02, 0x03
I64, STR, BOOL, BYTES, TEXT, TEXT_LIST = 1, 2, 3, 4, 5, 6
# The field registry, as the core exports it (rust-core/core/src/decode/fields.rs declares it once): fields
# are named by their column here, so an id or a type changed there changes the vectors written here.
REGISTRY = json.loads(pathlib.Path(__file__).with_name("fields.json").read_text())
TYPE_CODES = {"I64": I64, "STR": STR, "BOOL": BOOL, "BYTES": BYTES, "TEXT": TEXT, "TEXT_LIST": TEXT_LIST}
FIELDS = {entry["column"]: (entry["id"], TYPE_CODES[entry["type"]]) for entry in REGISTRY}
TABLES = {"events": 1, "flushes": 2, "compactions": 3, "sstables": 4, "auth_events": 5}
KINDS = {"coordinator_write": 1, "replica_write": 2}
FIXED = 100


def record(rtype, payload):
    return struct.pack("<BH", rtype, len(payload)) + payload


def string_def(sid, text):
    return record(STRING_DEF, struct.pack("<I", sid) + text.encode("utf-8"))


def text(value):
    raw = value.encode("utf-8")
    return struct.pack("<H", len(raw)) + raw


def field(fid, ftype, value):
    """One self-describing field: id u8, type u8, value."""
    head = struct.pack("<BB", fid, ftype)
    if ftype == I64:
        return head + struct.pack("<q", value)
    if ftype == STR:
        return head + struct.pack("<I", value)
    if ftype == BOOL:
        return head + struct.pack("<B", 1 if value else 0)
    if ftype == BYTES:
        raw = bytes.fromhex(value)
        return head + struct.pack("<H", len(raw)) + raw
    if ftype == TEXT:
        return head + text(value)
    if ftype == TEXT_LIST:
        return head + struct.pack("<H", len(value)) + b"".join(text(v) for v in value)
    raise ValueError(ftype)


def f(column, value):
    """The registered field feeding `column`, with `value`: [id, type, value] as stored in the vectors."""
    fid, ftype = FIELDS[column]
    return [fid, ftype, value]


def fields(items):
    """items: [[id, type, value], ...] as stored in the vectors."""
    return b"".join(field(*item) for item in items)


def tagged_event(e):
    return record(TAGGED_EVENT, struct.pack("<B", TABLES[e["tagged"]]) + fields(e["fields"]))


def mutation_event(e):
    key = bytes.fromhex(e["key_hex"])
    fixed = struct.pack(
        "<qBBH10Iqqq5IHH",
        e["event_time_us"], KINDS[e["kind"]], e["consistency_code"], e["flags"],
        e["node"], e["keyspace"], e["table"], e["user"], e["client_address"], e["driver_name"],
        e["driver_version"], e["statement_type"], e["coordinator"], e["error"],
        e["token"], e["message_id"], e["latency_us"],
        e["bytes"], e["rows"], e["cells"], e["tombstones"], e["ttl_cells"],
        e["replicas"], len(key),
    )
    assert len(fixed) == FIXED, len(fixed)
    return record(MUTATION_EVENT, fixed + key + fields(e.get("extension", [])))


def batch(records):
    return MAGIC + struct.pack("<I", len(records)) + b"".join(records)


def event(**overrides):
    base = dict(
        event_time_us=1_764_000_000_123_456, kind="coordinator_write", consistency_code=4, flags=0,
        node=1, keyspace=2, table=3, user=4, client_address=5, driver_name=6, driver_version=7,
        statement_type=8, coordinator=1, error=0, token=-4_069_959_284_402_364_209, message_id=-1,
        latency_us=850, bytes=97, rows=1, cells=2, tombstones=0, ttl_cells=0, replicas=3,
        key_hex="0000002a",
    )
    base.update(overrides)
    return base


STRINGS = {
    1: "127.0.0.1", 2: "shop", 3: "orders", 4: "svc_orders", 5: "127.0.0.1:53412",
    6: "DataStax Python Driver", 7: "3.30.1", 8: "INSERT", 9: "alice", 10: "DELETE",
    11: "WriteTimeoutException", 12: "127.0.0.2", 13: "Ünïcødé_表",
}


def valid(name, strings, events):
    recs = [string_def(i, strings[i]) for i in sorted(strings)]
    recs += [tagged_event(e) if "tagged" in e else mutation_event(e) for e in events]
    return {"name": name, "hex": batch(recs).hex(), "strings": {str(k): v for k, v in strings.items()},
            "events": events}


def invalid(name, raw, error):
    return {"name": name, "hex": raw.hex(), "error": error}


def cases():
    s = STRINGS
    one = event()
    replica = event(kind="replica_write", flags=1, consistency_code=255, replicas=0, message_id=4711,
                    latency_us=312, user=9, statement_type=10, rows=0, cells=0, tombstones=1, key_hex="")
    remote = event(kind="replica_write", coordinator=12, message_id=4_294_967_295, latency_us=-1,
                   user=0, client_address=0, driver_name=0, driver_version=0, statement_type=0,
                   consistency_code=255, replicas=0)
    failed = event(flags=2, error=11, bytes=4_000_000_000, rows=10, cells=40, tombstones=3, ttl_cells=7,
                   token=9_223_372_036_854_775_807, key_hex="ab" * 40)
    unicode = event(keyspace=13, table=13, event_time_us=-1)
    good_def = string_def(1, "x")
    ev = mutation_event(event(node=1, keyspace=1, table=1, user=0, client_address=0, driver_name=0,
                              driver_version=0, statement_type=0, coordinator=0))
    bad_len = bytearray(ev)
    struct.pack_into("<H", bad_len, 3 + 98, 12)  # claims a 12-byte key, carries 4
    bad_kind = bytearray(ev)
    bad_kind[3 + 8] = 9
    undefined = mutation_event(event(node=1, keyspace=1, table=99, user=0, client_address=0, driver_name=0,
                                     driver_version=0, statement_type=0, coordinator=0))
    extended = event(statement_type=8, tombstones=3, extension=[
        f("batch_id", "6a1f0c52-9d3e-11ef-8b2a-0242ac120002"), f("batch_partitions", 3), f("batch_tables", 1),
        f("partition_tombstones", 1), f("row_tombstones", 1), f("range_tombstones", 0), f("cell_tombstones", 1),
        f("ttl_rows", 0), f("session_id", 14), f("write_timestamp", 1_764_000_000_123_000)])
    read = {"tagged": "events", "fields": [
        f("event_time", 1_764_000_000_200_000), f("node", 1), f("kind", 15), f("keyspace_name", 2),
        f("table_name", 3), f("user_name", 9), f("consistency", 1), f("token", -42),
        f("partition_key", "0000002a"), f("range_scan", False), f("rows_returned", 7), f("latency_us", 1500),
        f("replicas", 1), f("session_id", 14)]}
    replica_read = {"tagged": "events", "fields": [
        f("event_time", 1_764_000_000_200_100), f("node", 1), f("kind", 16), f("keyspace_name", 2),
        f("table_name", 3), f("range_scan", True), f("tombstones_scanned", 12), f("live_rows", 30),
        f("coordinator", 1)]}
    flush = {"tagged": "flushes", "fields": [
        f("event_time", 1_764_000_001_000_000), f("node", 1), f("keyspace_name", 2), f("table_name", 3),
        f("flush_id", "127.0.0.1-f7"), f("flush_reason", 17), f("partitions", 12), f("operations", 57),
        f("memtable_bytes", 4096), f("output_sstables", ["3", "4"]), f("bytes_out", 2048)]}
    compaction = {"tagged": "compactions", "fields": [
        f("event_time", 1_764_000_002_000_000), f("node", 1), f("keyspace_name", 2), f("table_name", 3),
        f("compaction_id", "0c2b3f40-9d3f-11ef-8b2a-0242ac120002"), f("operation_type", 18), f("strategy", 19),
        f("input_sstables", ["3", "4"]), f("output_sstables", ["5"]), f("bytes_in", 2048), f("bytes_out", 1500),
        f("partitions_in", 24), f("partitions_out", 12), f("tombstones_in_estimate", 9),
        f("tombstones_out_estimate", 2), f("duration_us", 35_000)]}
    sstable = {"tagged": "sstables", "fields": [
        f("event_time", 1_764_000_002_000_001), f("node", 1), f("keyspace_name", 2), f("table_name", 3),
        f("sstable_id", "5"), f("change", 20), f("origin", 21),
        f("origin_id", "0c2b3f40-9d3f-11ef-8b2a-0242ac120002"), f("size_bytes", 1500), f("rows", 12),
        f("tombstone_estimate", 2), f("level", 0)]}
    login = {"tagged": "auth_events", "fields": [
        f("event_time", 1_764_000_003_000_000), f("node", 1), f("user_name", 9), f("client_address", 5),
        f("session_id", 14), f("outcome", 22),
        f("reason", "Provided username alice and/or password are incorrect")]}
    unknown_field = {"tagged": "events", "fields": [
        f("event_time", 1_764_000_000_200_000), f("node", 1), f("kind", 15), f("keyspace_name", 2),
        f("table_name", 3), [200, I64, 5]]}
    more = {14: "9b1d2c3e4f506172", 15: "coordinator_read", 16: "replica_read", 17: "USER_FORCED",
            18: "COMPACTION", 19: "SizeTieredCompactionStrategy", 20: "created", 21: "compaction", 22: "failure"}
    all_strings = {**s, **more}
    no_time = record(TAGGED_EVENT, struct.pack("<B", 2) + field(2, STR, 1))
    wrong_type = record(TAGGED_EVENT, struct.pack("<B", 1) + field(1, I64, 5) + field(3, I64, 7))
    cut_field = record(TAGGED_EVENT, struct.pack("<B", 1) + field(1, I64, 5) + field(3, STR, 1)[:-2])
    bad_table = record(TAGGED_EVENT, struct.pack("<B", 9) + field(1, I64, 5))
    lwt_counter_batchlog = lwt_counter_batchlog_events()
    cluster_strings = {**all_strings, 23: "hint_write", 24: "hint_replay", 25: "127.0.0.3"}
    fanned_out = event(extension=[f("out_message_id", 73), f("coordinator_generation", 1_764_000_000),
                                  f("write_timestamp", 1_764_000_000_123_000)])
    forwarded = event(kind="replica_write", coordinator=12, message_id=73, latency_us=410, user=0, client_address=0,
                      driver_name=0, driver_version=0, statement_type=0, consistency_code=255, replicas=0,
                      extension=[f("coordinator_generation", 1_764_000_000), f("forwarded_by", 25)])
    hint_write = {"tagged": "events", "fields": [
        f("event_time", 1_764_000_000_300_000), f("node", 1), f("kind", 23), f("keyspace_name", 2),
        f("table_name", 3), f("token", -42), f("partition_key", "0000002a"), f("coordinator", 1),
        f("coordinator_generation", 1_764_000_000), f("hint_target", 25),
        f("hint_creation_time", 1_764_000_000_290), f("hint_bytes", 61), f("bytes", 48), f("rows", 1),
        f("write_timestamp", 1_764_000_000_123_000)]}
    hint_replay = {"tagged": "events", "fields": [
        f("event_time", 1_764_000_060_000_000), f("node", 25), f("kind", 24), f("keyspace_name", 2),
        f("table_name", 3), f("token", -42), f("partition_key", "0000002a"), f("coordinator", 1),
        f("coordinator_generation", 1_764_000_000), f("hint_target", 25),
        f("hint_creation_time", 1_764_000_000_290), f("bytes", 48), f("rows", 1),
        f("write_timestamp", 1_764_000_000_123_000)]}
    return [
        valid("empty batch", {}, []),
        valid("cluster: coordinator write with its message id, a forwarded replica write",
              {i: cluster_strings[i] for i in list(range(1, 11)) + [12, 25]}, [fanned_out, forwarded]),
        valid("cluster: hint_write and hint_replay", cluster_strings, [hint_write, hint_replay]),
        valid("one coordinator write", {i: s[i] for i in range(1, 9)}, [one]),
        valid("coordinator, local and remote replica writes", {i: s[i] for i in list(range(1, 11)) + [12]},
              [one, replica, remote]),
        valid("failed write with large counts and a 40-byte key", {i: s[i] for i in range(1, 12)}, [failed]),
        valid("non-ASCII names and an event before 1970", {**{i: s[i] for i in range(1, 9)}, 13: s[13]},
              [unicode]),
        invalid("too short for a header", b"CDF", "shorter than the 8-byte batch header"),
        invalid("wrong magic", b"CDF2" + struct.pack("<I", 0), "bad magic"),
        invalid("record count larger than the records", MAGIC + struct.pack("<I", 2) + good_def,
                "record 1 at byte 16: truncated record header"),
        invalid("payload runs past the end", MAGIC + struct.pack("<I", 1) + good_def[:-1],
                "record 0 at byte 8: payload of 5 bytes runs past the end"),
        invalid("bytes left after the last record", batch([good_def]) + b"\x00",
                "1 bytes left after the last record"),
        invalid("event length does not match its key length", batch([good_def, bytes(bad_len)]),
                "MUTATION_EVENT length 104 != 100 + key_length 12"),
        invalid("unknown kind", batch([good_def, bytes(bad_kind)]), "unknown kind 9"),
        invalid("string id used but never defined", batch([good_def, undefined]), "string id 99 is not defined"),
        invalid("string id 0 defined", batch([string_def(0, "zero")]), "STRING_DEF id 0 is reserved"),
        invalid("string redefined with other text", batch([good_def, string_def(1, "y")]),
                "string id 1 redefined"),
        valid("write with extension fields (batch, tombstone breakdown, session)",
              {i: all_strings[i] for i in list(range(1, 9)) + [14]}, [extended]),
        valid("tagged: coordinator and replica reads", all_strings, [read, replica_read]),
        valid("tagged: flush, compaction, sstable change, failed login", all_strings,
              [flush, compaction, sstable, login]),
        valid("tagged: unknown field id is skipped", all_strings, [unknown_field]),
        invalid("tagged: event_time missing", batch([good_def, no_time]), "event_time_us (field 1) is missing"),
        invalid("tagged: field with the wrong type", batch([good_def, wrong_type]),
                "field 3 has type 1, expected 2"),
        invalid("tagged: truncated field", batch([good_def, cut_field]), "field 3 is truncated"),
        invalid("tagged: unknown table", batch([good_def, bad_table]), "unknown table 9"),
        valid("tagged: cas, paxos commit, counter forward and leader apply, batchlog store and remove",
              {**s, **LWT_STRINGS}, lwt_counter_batchlog),
    ]


LWT_STRINGS = {30: "cas", 31: "paxos_commit", 32: "counter_forward", 33: "counter_leader_apply",
               34: "batchlog_store", 35: "batchlog_remove", 36: "v1", 37: "127.0.0.2"}


def lwt_counter_batchlog_events():
    """Rows of the LWT, counter and batchlog families (fields 51-59, 102)."""
    ballot = "8a3e0c40-ca0b-11f0-8000-000000000001"
    batchlog = "6a1f0c52-9d3e-11ef-8b2a-0242ac120002"
    head = [f("node", 1), f("keyspace_name", 2), f("table_name", 3)]
    return [
        {"tagged": "events", "fields": [f("event_time", 1_764_000_004_000_000), f("kind", 30), *head,
                                        f("user_name", 9), f("consistency", 4), f("serial_consistency", 8),
                                        f("paxos_variant", 36), f("token", -42), f("partition_key", "0000002a"),
                                        f("cas_applied", True), f("paxos_attempts", 1), f("paxos_prepares", 1),
                                        f("paxos_proposes", 1), f("paxos_commits", 1), f("paxos_ballot", ballot),
                                        f("latency_us", 2100)]},
        {"tagged": "events", "fields": [f("event_time", 1_764_000_004_000_100), f("kind", 31), *head,
                                        f("token", -42), f("partition_key", "0000002a"), f("paxos_ballot", ballot),
                                        f("rows", 1), f("cells", 2), f("applied_locally", True),
                                        f("coordinator", 1)]},
        {"tagged": "events", "fields": [f("event_time", 1_764_000_004_000_200), f("kind", 32), *head,
                                        f("user_name", 9), f("counter_leader", 37), f("message_id", 4711),
                                        f("counter_write", True), f("consistency", 1)]},
        {"tagged": "events", "fields": [f("event_time", 1_764_000_004_000_300), f("kind", 33), *head,
                                        f("coordinator", 1), f("counter_write", True), f("applied_locally", True),
                                        f("latency_us", 80)]},
        {"tagged": "events", "fields": [f("event_time", 1_764_000_004_000_400), f("kind", 34), f("node", 1),
                                        f("batchlog_id", batchlog), f("batchlog_mutations", 3),
                                        f("batch_id", batchlog)]},
        {"tagged": "events", "fields": [f("event_time", 1_764_000_004_000_500), f("kind", 35), f("node", 1),
                                        f("batchlog_id", batchlog), f("coordinator", 37), f("message_id", 4712)]},
    ]


def main():
    """Writes the vectors; with --check, only fails (exit 1) if the committed file is not what it would write."""
    out = pathlib.Path(__file__).with_name("wire-v1.json")
    text = json.dumps(cases(), indent=1, ensure_ascii=False) + "\n"
    if sys.argv[1:] == ["--check"]:
        if out.read_text() != text:
            sys.exit(f"{out} is not what generate.py writes (from fields.json): run it and commit the result")
        return
    out.write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
