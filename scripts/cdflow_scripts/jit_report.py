"""scripts/jit-report: what the agent's advice does to the JIT on Cassandra's write path (issue 17).

  scripts/jit-report sizes DUMP_DIR
      Bytecode size of every method ByteBuddy changed, before and after, from a node started with
      CDFLOW_JVM_OPTS=-Dio.cdflow.shaded.bytebuddy.dump=DUMP_DIR (the agent's relocated ByteBuddy; it writes each transformed class twice:
      <name>-original.<stamp>.class and <name>.<stamp>.class). Sizes come from `javap -c -p`.
  scripts/jit-report inlining NO_AGENT_LOG AGENT_LOG [--match REGEX]
      The C2/C1 inlining decisions for the callees matching REGEX (default: Cassandra's write path), from two node
      stdout logs written with -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining: per
      callee, its size as the JIT saw it and how often each decision was printed, without and with the agent.
  scripts/jit-report run [--seconds S] [--warmup W] [--agent-jar JAR] [--reference-jar OLD_JAR]
      Both of the above in one go: one no_agent, one agent_on (and agent_ref) run of scripts/bench (kept under
      run/bench/), with the flags set, then the reports per agent build. Wrap it in `flock /tmp/cdflow-cassandra.lock`.

HotSpot's thresholds (JDK 17 defaults): a callee of at most MaxInlineSize = 35 bytes is inlined wherever it is
called; one up to FreqInlineSize = 325 bytes only at a hot call site; a method above HugeMethodLimit = 8000 bytes
is not compiled at all; and a callee already compiled to more than InlineSmallCode = 2500 bytes of machine code is
not inlined ("already compiled into a big method").
"""
import argparse
import collections
import os
import pathlib
import re
import subprocess
import sys

MAX_INLINE_SIZE, FREQ_INLINE_SIZE, HUGE_METHOD_LIMIT = 35, 325, 8000
# the last instruction of a method's code ends it: its offset plus its length is the code length
LAST_OPCODE_LENGTH = {"return": 1, "areturn": 1, "ireturn": 1, "lreturn": 1, "freturn": 1, "dreturn": 1,
                      "athrow": 1, "goto": 3, "goto_w": 5}
WRITE_PATH = (r"org\.apache\.cassandra\.(service\.StorageProxy::(mutate|mutateWithTriggers|mutateAtomically|"
              r"performWrite|sendToHintedReplicas|syncWriteToBatchlog)|db\.Mutation::apply|"
              r"db\.MutationVerbHandler::|cql3\.QueryProcessor::process|transport\.Dispatcher::processRequest|"
              r"net\.Message::outWithFlag|net\.MessagingService::sendWriteWithCallback|"
              r"cql3\.statements\.(ModificationStatement|BatchStatement)::execute)")


def method_sizes(class_file):
    """{method signature: code length in bytes} of one class file, from `javap -c -p`."""
    out = subprocess.run(["javap", "-c", "-p", str(class_file)], capture_output=True, text=True, check=True).stdout
    sizes, method, last = {}, None, None
    for line in out.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(";"):
            if method and last:
                sizes[method] = code_length(method, last)
            method, last = line.strip().rstrip(";"), None
        elif method and re.match(r"^\s+\d+: \w", line):
            last = line
    if method and last:
        sizes[method] = code_length(method, last)
    return sizes


def code_length(method, last_line):
    offset, opcode = re.match(r"^\s+(\d+): (\w+)", last_line).groups()
    if opcode not in LAST_OPCODE_LENGTH:
        raise SystemExit(f"{method}: cannot size a method that ends with {opcode!r}")
    return int(offset) + LAST_OPCODE_LENGTH[opcode]


def limits_crossed(before, after):
    crossed = [name for name, limit in (("MaxInlineSize 35", MAX_INLINE_SIZE), ("FreqInlineSize 325", FREQ_INLINE_SIZE),
                                        ("HugeMethodLimit 8000", HUGE_METHOD_LIMIT)) if before <= limit < after]
    return ", ".join(crossed) or "–"


def dumped_pairs(dump_dir, variant=-1):
    """(class name, original file, transformed file) for every class ByteBuddy dumped. Each JVM that ran with the
    dump directory left one pair per class, named by the time of its transformation: `variant` picks, per class,
    the pair of the n-th JVM in time order (-1: the latest)."""
    stamps = collections.defaultdict(dict)
    for f in pathlib.Path(dump_dir).rglob("*.class"):
        m = re.match(r"^(.*?)(-original)?\.(\d+)\.class$", f.name)
        if m:
            stamps[m.group(1)].setdefault(int(m.group(3)), {})["original" if m.group(2) else "transformed"] = f
    pairs = []
    for name in sorted(stamps):
        complete = [files for _, files in sorted(stamps[name].items()) if len(files) == 2]
        if -len(complete) <= variant < len(complete):
            pairs.append((name, complete[variant]["original"], complete[variant]["transformed"]))
    return pairs


def sizes_report(dump_dir, variant=-1):
    rows = []
    for name, original, transformed in dumped_pairs(dump_dir, variant):
        before, after = method_sizes(original), method_sizes(transformed)
        for method, size in after.items():
            if before.get(method) != size:
                rows.append((name.rsplit(".", 1)[-1], short(method), before.get(method), size))
    if not rows:
        raise SystemExit(f"no transformed class with a changed method under {dump_dir}")
    print("| class | method | bytes before | after | + | limit crossed |")
    print("|---|---|--:|--:|--:|---|")
    for cls, method, before, after in rows:
        print(f"| {cls} | `{method}` | {before if before is not None else 'new'} | {after} | "
              f"{after - (before or 0)} | {limits_crossed(before or 0, after)} |")
    return rows


def short(method):
    """`public static void mutate(java.util.List<...>, ...)` → `mutate(List, ...)` (generics and packages off)."""
    m = re.search(r"([\w$<>]+)\((.*)\)", re.sub(r"<[^()]*?>", "", method))
    if not m:
        return method
    args = ", ".join(a.strip().rsplit(".", 1)[-1] for a in m.group(2).split(",") if a.strip())
    return f"{m.group(1)}({args})"


INLINE_LINE = re.compile(r"@ \d+\s+([\w.$]+::[\w$<>]+) \((\d+) bytes\)\s+(.*)$")


def inlining_decisions(log_path, match):
    """{callee: (sizes seen, Counter of decisions)} from a PrintInlining log."""
    found = collections.defaultdict(lambda: (set(), collections.Counter()))
    pattern = re.compile(match)
    with open(log_path, errors="replace") as f:
        for line in f:
            m = INLINE_LINE.search(line)
            if not m or not pattern.search(m.group(1)):
                continue
            callee, size, decision = m.group(1), int(m.group(2)), m.group(3).strip()
            decision = re.sub(r"\s+", " ", decision)
            found[callee][0].add(size)
            found[callee][1][decision] += 1
    return found


def inlining_report(no_agent_log, agent_log, match=WRITE_PATH):
    without, with_agent = inlining_decisions(no_agent_log, match), inlining_decisions(agent_log, match)
    print("| callee | bytes (no agent → agent) | decisions without the agent | with the agent |")
    print("|---|---|---|---|")
    for callee in sorted(set(without) | set(with_agent)):
        a, b = without.get(callee, (set(), collections.Counter())), with_agent.get(callee, (set(), collections.Counter()))
        sizes = f"{'/'.join(map(str, sorted(a[0]))) or '–'} → {'/'.join(map(str, sorted(b[0]))) or '–'}"
        print(f"| `{callee.rsplit('.', 1)[-1]}` | {sizes} | {decisions(a[1])} | {decisions(b[1])} |")


def decisions(counter):
    return "; ".join(f"{d} ×{n}" for d, n in counter.most_common()) or "–"


def run(opts):
    """no_agent, agent_on (this tree's jar or --agent-jar) and, with --reference-jar, agent_ref, in this order
    (one round), with the JIT's logs and ByteBuddy's dump; then the reports."""
    from cdflow_scripts.paths import REPO, RUN
    dump = RUN / "jit-report" / "bbdump"
    dump.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CDFLOW_JVM_OPTS=("-XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining "
                                              f"-Dnet.bytebuddy.dump={dump} -Dio.cdflow.shaded.bytebuddy.dump={dump}"))
    configs = ["no_agent", "agent_on"] + (["agent_ref"] if opts.reference_jar else [])
    jars = (["--agent-jar", str(opts.agent_jar)] if opts.agent_jar else []) + (
        ["--reference-jar", str(opts.reference_jar)] if opts.reference_jar else [])
    subprocess.run([str(REPO / "scripts" / "bench"), "--rounds", "1", "--seconds", str(opts.seconds),
                    "--warmup", str(opts.warmup), "--configs", ",".join(configs), "--keep", "--quiet-wait", "0",
                    "--out", str(RUN / "jit-report" / "bench.json"), *jars], env=env, check=True)
    logs = {c: RUN / "bench" / f"{c}-1" / "node1" / "logs" / "stdout.log" for c in configs}
    for variant, config in enumerate(configs[1:]):  # round 1 runs the configurations in this order
        print(f"\n## Bytecode sizes, {config}\n")
        sizes_report(dump, variant)
        print(f"\n## Inlining decisions, no_agent vs {config}\n")
        inlining_report(logs["no_agent"], logs[config])


def main(argv):
    parser = argparse.ArgumentParser(prog="scripts/jit-report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sizes = sub.add_parser("sizes")
    sizes.add_argument("dump_dir", type=pathlib.Path)
    inl = sub.add_parser("inlining")
    inl.add_argument("no_agent_log", type=pathlib.Path)
    inl.add_argument("agent_log", type=pathlib.Path)
    inl.add_argument("--match", default=WRITE_PATH)
    r = sub.add_parser("run")
    r.add_argument("--seconds", type=float, default=30)
    r.add_argument("--warmup", type=float, default=30)
    r.add_argument("--agent-jar", type=pathlib.Path, help="the agent for agent_on (default: build this tree's)")
    r.add_argument("--reference-jar", type=pathlib.Path, help="another agent build, run as agent_ref")
    opts = parser.parse_args(argv)
    if opts.command == "sizes":
        sizes_report(opts.dump_dir)
    elif opts.command == "inlining":
        inlining_report(opts.no_agent_log, opts.agent_log, opts.match)
    else:
        run(opts)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    sys.exit(main(sys.argv[1:]))
