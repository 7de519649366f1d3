"""Resolves Cassandra (`org.apache.cassandra:cassandra-all`) and its runtime dependencies from Maven Central
into `.cache/cassandra/<version>/lib`, once; later calls reuse the cache.

A request is a series ("5.0", "4.1": the newest release of it that resolves) or an exact version ("4.1.10").
`resolve()` without one uses CASSANDRA_VERSION, else the default series 5.0.
"""
import os
import pathlib
import subprocess
import sys
import tempfile

from .paths import CACHE

# The series scripts can run, and the Maven range of each; the agent jar supports the same series
# (java-agent/pom.xml, cdflow.cassandra.series; tests/e2e/test_versions.py checks they agree).
SERIES_RANGES = {"5.0": "[5.0.0,5.1.0)", "4.1": "[4.1.0,4.2.0)"}
DEFAULT_SERIES = "5.0"
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.cdflow</groupId><artifactId>cassandra-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def log(msg):
    print(f"[cassandra] {msg}", file=sys.stderr, flush=True)


def series_of(version):
    """"4.1.10" -> "4.1", "5.0" -> "5.0"."""
    return ".".join(version.split("-")[0].split(".")[:2])


def requested(spec=None):
    """The series or exact version asked for: `spec`, else CASSANDRA_VERSION, else the default series; an
    unsupported one is an error naming the supported series."""
    spec = spec or os.environ.get("CASSANDRA_VERSION") or DEFAULT_SERIES
    if series_of(spec) not in SERIES_RANGES:
        raise SystemExit(f"Cassandra {spec} is not supported: use one of {', '.join(SERIES_RANGES)} "
                         "or an exact version of them (e.g. 4.1.10)")
    return spec


def _version_key(version):
    return [int(p) if p.isdigit() else -1 for p in version.replace("-", ".").split(".")]


def cached_dist(spec=None):
    """The newest complete cached distribution matching `spec` (a series or an exact version), or None."""
    spec = requested(spec)
    root = CACHE / "cassandra"
    done = [m for m in root.glob("*/lib/.complete")] if root.exists() else []
    matching = [m.parent.parent.name for m in done
                if m.parent.parent.name == spec or (spec in SERIES_RANGES and series_of(m.parent.parent.name) == spec)]
    if not matching:
        return None
    version = max(matching, key=_version_key)
    return version, root / version / "lib"


def resolve(spec=None):
    """Returns (version, lib_dir) with every runtime jar of cassandra-all in lib_dir."""
    spec = requested(spec)
    found = cached_dist(spec)
    if found:
        return found
    version = SERIES_RANGES.get(spec, spec)
    log(f"resolving org.apache.cassandra:cassandra-all:{version} with Maven (once)")
    with tempfile.TemporaryDirectory(prefix="cdflow-cassandra-") as tmp:
        staging = pathlib.Path(tmp) / "lib"
        (pathlib.Path(tmp) / "pom.xml").write_text(POM.format(version=version))
        subprocess.run(["mvn", "-B", "-q", "dependency:copy-dependencies", "-DincludeScope=runtime",
                        f"-DoutputDirectory={staging}"], cwd=tmp, check=True)
        jars = sorted(staging.glob("cassandra-all-*.jar"))
        if not jars:
            raise SystemExit("Maven resolved no cassandra-all jar")
        resolved = jars[0].name[len("cassandra-all-"):-len(".jar")]
        lib = CACHE / "cassandra" / resolved / "lib"
        lib.mkdir(parents=True, exist_ok=True)
        for jar in staging.glob("*.jar"):
            jar.replace(lib / jar.name)
        (lib / ".complete").write_text(resolved + "\n")
    log(f"Cassandra {resolved}: {len(list(lib.glob('*.jar')))} jars in {lib}")
    return resolved, lib


def classpath(lib):
    return ":".join(str(j) for j in sorted(lib.glob("*.jar")))


if __name__ == "__main__":
    # python3 -m cdflow_scripts.cassandra_dist [SERIES_OR_VERSION ...]
    for wanted in sys.argv[1:] or [None]:
        print(*resolve(wanted))
