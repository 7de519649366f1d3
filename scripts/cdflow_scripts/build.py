"""Builds the native library (cargo) and the agent jar (Maven) when they are missing or stale."""
import pathlib
import subprocess
import sys

from .paths import AGENT_JAR, CLI, NATIVE_LIB, REPO


def log(msg):
    print(f"[build] {msg}", file=sys.stderr, flush=True)


def newest_mtime(paths):
    newest = 0.0
    for root in paths:
        root = pathlib.Path(root)
        if root.is_file():  # named explicitly (e.g. the native library under target/): always counts
            newest = max(newest, root.stat().st_mtime)
            continue
        for f in root.rglob("*"):
            if f.is_file() and "target" not in f.relative_to(root).parts:
                newest = max(newest, f.stat().st_mtime)
    return newest


def build_native():
    """cargo is incremental: running it is cheap when nothing changed."""
    log("cargo build --release -p cdflow-jni")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "cdflow-jni"], cwd=REPO, check=True)
    if not NATIVE_LIB.exists():
        raise SystemExit(f"cargo finished but {NATIVE_LIB} is missing")


def build_cli():
    log("cargo build --release -p cdflow-cli")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "cdflow-cli"], cwd=REPO, check=True)
    return CLI


def build_agent(force=False):
    sources = [REPO / "java-agent" / "pom.xml", REPO / "java-agent" / "src", NATIVE_LIB]
    if not force and AGENT_JAR.exists() and AGENT_JAR.stat().st_mtime >= newest_mtime(sources):
        log(f"agent jar up to date: {AGENT_JAR}")
        return
    log("mvn package (agent jar, unit tests skipped here)")
    subprocess.run(["mvn", "-B", "-q", "package", "-DskipTests"], cwd=REPO / "java-agent", check=True)
    if not AGENT_JAR.exists():
        raise SystemExit(f"Maven finished but {AGENT_JAR} is missing")


def build_all():
    build_native()
    build_agent()
    return AGENT_JAR


