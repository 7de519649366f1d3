#!/usr/bin/env python3
"""Writes tests/vectors/wire-v1.json: the shared test vectors of docs/wire-format.md.

This is an independent encoder of the format (the Java agent and the Rust core are the other two).
Valid cases list their string definitions (emitted first, in id order) and their events; the Java
tests must encode exactly `hex` from them and the Rust tests must decode `hex` back to them.
Run it after changing the format and commit the JSON it writes.
"""
import json
import pathlib
import struct

MAGIC = b"CDF1"
STRING_DEF, MUTATION_EVENT = 0x01, 0x02
KINDS = {"coordinator_write": 1, "replica_write": 2}
FIXED = 100


def record(rtype, payload):
    return struct.pack("<BH", rtype, len(payload)) + payload


def string_def(sid, text):
    return record(STRING_DEF, struct.pack("<I", sid) + text.encode("utf-8"))


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
    return record(MUTATION_EVENT, fixed + key)


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
    recs += [mutation_event(e) for e in events]
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
    return [
        valid("empty batch", {}, []),
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
    ]


def main():
    out = pathlib.Path(__file__).with_name("wire-v1.json")
    out.write_text(json.dumps(cases(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
