"""A client of `cdflow live` for the end-to-end tests: start it on lineage directories (a free loopback port), read
its /api documents."""
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def api(base, name, window=900):
    return json.loads(get(f"{base}/api/{name}?window={window}"))[name]


def start_live(cli, *args):
    port = free_port()
    proc = subprocess.Popen([cli, "live", *map(str, args), "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            get(f"{base}/api/status")
            return proc, base
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("cdflow live did not answer within 30 s")
