"""Where things live: the repository, its git-ignored caches and run directories, the built artifacts."""
import os
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
CACHE = pathlib.Path(os.environ.get("CDFLOW_CACHE", REPO / ".cache"))
RUN = REPO / "run"
DEFAULT_CLUSTER_DIR = RUN / "cluster"

AGENT_JAR = REPO / "java-agent" / "target" / "cdflow-agent.jar"
NATIVE_LIB = REPO / "target" / "release" / "libcdflow_jni.so"
CLI = REPO / "target" / "release" / "cdflow"
