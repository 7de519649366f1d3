#!/usr/bin/env python3
"""Writes the seed corpora of the cdflow fuzz targets into rust-core/fuzz/corpus/<target>/ (not committed).

Seeds come from what the repository already holds, so they follow the formats as they change:
- wire_decode: every batch of tests/vectors/wire-v1.json, as is;
- wire_rows: the same batches cut as the agent sends them: a `define` batch of the STRING_DEF records,
  then a `submit` batch of the other records, back to back (the target splits at the second `CDF1`,
  see `split_define_events` in src/lib.rs); batches the vectors expect to fail go in whole;
- identity_map: the ```yaml identity maps of docs/, the IDENTITY_MAP texts of scripts/ and tests/e2e/, and
  the string literals holding `roles:` in the Rust sources and tests;
- audit_policy: the ```yaml policies of docs/, the POLICY texts of tests/e2e/, and the YAML-looking
  string literals of the CLI's policy and yaml sources and tests;
- journal_segment: a journal segment per valid vector (docs/journal.md: header, a STRINGS record of the
  vector's strings, a BATCH record of its batch, a COUNTERS record), and the same cut inside its last record
  (a torn tail, as a power loss leaves it);
- core_options: every key of the "Core options" table of docs/native-interface.md with its default, each key
  alone, and the agent-only keys of the README (rejected by the core), as NUL-separated key/value strings
  (`option_pairs` in src/lib.rs).
Then every committed minimized crash input (regressions/<target>/*) is copied in, so a fixed finding is
replayed by every run. Idempotent: seed files are overwritten, the rest of a corpus is kept.
Usage: rust-core/fuzz/seed.py   (ci/fuzz-smoke runs it)
"""
import hashlib
import json
import pathlib
import re
import shutil
import struct
import tomllib
import zlib

FUZZ = pathlib.Path(__file__).resolve().parent
REPO = FUZZ.parent.parent
CORPUS = FUZZ / "corpus"
REGRESSIONS = FUZZ / "regressions"
MAGIC = b"CDF1"
STRING_DEF = 0x01
TARGETS = [binary["name"] for binary in tomllib.loads((FUZZ / "Cargo.toml").read_text())["bin"]]


def write_seed(target, content):
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def records(batch):
    """(record bytes, type) of a well-framed batch."""
    count = struct.unpack_from("<I", batch, 4)[0]
    offset, out = 8, []
    for _ in range(count):
        rtype, length = struct.unpack_from("<BH", batch, offset)
        out.append((batch[offset:offset + 3 + length], rtype))
        offset += 3 + length
    return out


def batch_of(parts):
    return MAGIC + struct.pack("<I", len(parts)) + b"".join(parts)


def wire_seeds():
    vectors = json.loads((REPO / "tests/vectors/wire-v1.json").read_text())
    for vector in vectors:
        batch = bytes.fromhex(vector["hex"])
        write_seed("wire_decode", batch)
        if "error" in vector:
            write_seed("wire_rows", batch)
            continue
        parts = records(batch)
        define = batch_of([raw for raw, rtype in parts if rtype == STRING_DEF])
        submit = batch_of([raw for raw, rtype in parts if rtype != STRING_DEF])
        assert MAGIC not in define[1:], vector["name"]  # the target would cut the define batch there
        write_seed("wire_rows", define + submit)


def fenced_yaml(path):
    return re.findall(r"```yaml\n(.*?)```", path.read_text(), re.S)


def python_texts(path, name):
    """The triple-quoted text assigned to `name`, f-string fields replaced by plain words."""
    out = []
    for is_f, body in re.findall(rf'^{name} = (f?)"""(.*?)"""', path.read_text(), re.S | re.M):
        if is_f:
            body = re.sub(r"(?<!\{)\{([^{}]+)\}(?!\})", lambda m: m.group(1).split(".")[-1].lower(), body)
            body = body.replace("{{", "{").replace("}}", "}")
        out.append(body)
    return out


RUST_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


RAW_START = re.compile(r'r(#*)"')
CHAR_LITERAL = re.compile(r"'(\\.|[^\\'])'")


def rust_literals(path):
    """The string literals of a Rust source file (plain and raw, comments skipped), unescaped."""
    source, out, i = path.read_text(), [], 0
    while i < len(source):
        word_before = i > 0 and (source[i - 1].isalnum() or source[i - 1] == "_")
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
        elif not word_before and (raw := RAW_START.match(source, i)):
            end = source.index('"' + raw.group(1), raw.end())
            out.append(source[raw.end():end])
            i = end + 1 + len(raw.group(1))
        elif char := CHAR_LITERAL.match(source, i):
            i = char.end()
        elif source[i] == '"':
            text, i = unescape(source, i + 1)
            out.append(text)
        else:
            i += 1
    return out


def unescape(source, i):
    """The plain literal starting at `source[i]` (after its quote), unescaped, and the index after it."""
    text = []
    while source[i] != '"':
        c = source[i]
        if c != "\\":
            text.append(c)
            i += 1
        elif source[i + 1] == "\n":  # line continuation
            i += 2
            while source[i] in " \t\n":
                i += 1
        elif source[i + 1] == "u":
            end = source.index("}", i)
            text.append(chr(int(source[i + 3:end], 16)))
            i = end + 1
        elif source[i + 1] == "x":
            text.append(chr(int(source[i + 2:i + 4], 16)))
            i += 4
        else:
            text.append(RUST_ESCAPES.get(source[i + 1], source[i + 1]))
            i += 2
    return "".join(text), i + 1


def identity_seeds():
    for text in fenced_yaml(REPO / "docs/schema.md"):
        if "roles:" in text:
            write_seed("identity_map", text)
    for path in [REPO / "scripts/cdflow_scripts/demo.py", *sorted((REPO / "tests/e2e").glob("*.py"))]:
        for text in python_texts(path, "IDENTITY_MAP"):
            write_seed("identity_map", text)
    # globs, not names: a file renamed or removed must not break the seeding
    sources = [*sorted((REPO / "rust-core/core/src/enrich").glob("identity*.rs")),
               *sorted((REPO / "rust-core/core/tests/it").glob("*.rs"))]
    for path in sources:
        for text in rust_literals(path):
            if "roles:" in text:
                write_seed("identity_map", text)


def policy_seeds():
    for text in fenced_yaml(REPO / "docs/cli.md"):
        if "rules:" in text:
            write_seed("audit_policy", text)
    for path in sorted((REPO / "tests/e2e").glob("*.py")):
        for text in python_texts(path, "POLICY"):
            write_seed("audit_policy", text)
    cli = REPO / "rust-core/cli"
    for path in [*sorted((cli / "src").glob("policy*.rs")), *sorted((cli / "tests").glob("*.rs"))]:
        for text in rust_literals(path):
            if "\n" in text and re.search(r"^\s*(- )?[A-Za-z_-]+:", text, re.M):
                write_seed("audit_policy", text)


def options_seeds():
    doc = (REPO / "docs/native-interface.md").read_text()
    table = doc.split("## Core options", 1)[1]
    defaults = {}
    for key, default in re.findall(r"^\| `(\w+)` \| (.*?) \|", table, re.M):
        value = re.search(r"`([^`]*)`", default)
        defaults[key] = value.group(1) if value else ""
    defaults["output"] = "/var/lib/cassandra/lineage"
    defaults["key_file"] = "/var/lib/cassandra/cdflow-key-hash.secret"
    defaults["identity_map"] = "/etc/cdflow/identity.yaml"

    def pairs(items):
        return "\0".join(f"{key}\0{value}" for key, value in items)

    write_seed("core_options", pairs(defaults.items()))
    for key, value in defaults.items():
        write_seed("core_options", pairs([("output", "lineage")] + ([(key, value)] if key != "output" else [])))
    readme = (REPO / "README.md").read_text().split("## Agent options", 1)[1]
    for key in re.findall(r"^\| `(\w+)`", readme, re.M):
        if key not in defaults:
            write_seed("core_options", pairs([("output", "lineage"), (key, "1")]))


def journal_record(rtype, payload):
    body = bytes([rtype]) + payload
    return struct.pack("<II", len(payload), zlib.crc32(body)) + body


def journal_seeds():
    vectors = json.loads((REPO / "tests/vectors/wire-v1.json").read_text())
    for vector in vectors:
        if "error" in vector:
            continue
        strings = b"".join(struct.pack("<II", int(i), len(t.encode())) + t.encode()
                           for i, t in sorted(json.loads(vector["strings"]).items()
                                              if isinstance(vector["strings"], str) else vector["strings"].items()))
        events = len(json.loads(vector["events"]) if isinstance(vector["events"], str) else vector["events"])
        segment = (b"CDFJRNL1" + struct.pack("<Qq", 1, 1_700_000_000_000_000)
                   + journal_record(1, strings)
                   + journal_record(2, struct.pack("<I", events) + bytes.fromhex(vector["hex"]))
                   + journal_record(3, struct.pack("<qqI", 1, 2, 3) + struct.pack("<3Q", events, events, 0)))
        write_seed("journal_segment", segment)
        write_seed("journal_segment", segment[:-5])


def regressions():
    for target in TARGETS:
        folder = REGRESSIONS / target
        if folder.is_dir():
            (CORPUS / target).mkdir(parents=True, exist_ok=True)
            for path in sorted(folder.iterdir()):
                shutil.copyfile(path, CORPUS / target / path.name)


def main():
    wire_seeds()
    identity_seeds()
    policy_seeds()
    options_seeds()
    journal_seeds()
    regressions()
    for target in TARGETS:
        print(f"{target}: {len(list((CORPUS / target).iterdir()))} files in corpus/{target}")


if __name__ == "__main__":
    main()
