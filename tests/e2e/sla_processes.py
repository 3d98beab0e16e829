"""Real processes for the SLA webhook end-to-end tests: a private Redis, a Celery worker with beat, and a
one-off `manage.py sla_check`, each bounded in time and always stopped."""

import os
import signal
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
DEADLINE_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float = DEADLINE_SECONDS, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class Redis:
    """A throwaway redis-server on its own port (no persistence), so tests can stop and restart it."""

    def __init__(self):
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/5"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
            ],
            check=True,
            capture_output=True,
            timeout=10,
        )
        wait_for(self.is_up, timeout=10, what="redis to start")

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, timeout=10
        )
        wait_for(lambda: not self.is_up(), timeout=10, what="redis to stop")

    def is_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def running_redis():
    """A private Redis for one test or module, stopped afterwards even when the test stopped it itself."""
    server = Redis()
    server.start()
    try:
        yield server
    finally:
        if server.is_up():
            server.stop()


def worker_env(*, database_name: str, redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DB_NAME"}
    env.update(
        DJANGO_SETTINGS_MODULE="routeswit.settings.test",
        # The test settings take DATABASE_URL from the environment: the worker uses this test's database.
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database_name}",
        REDIS_URL=redis_url,
        SLA_CHECK_INTERVAL_SECONDS="1",
        WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",
        WEBHOOK_RETRY_DELAYS="1,1,1,1,1",
        PYTHONUNBUFFERED="1",
    )
    return env


class Worker:
    """`celery -A routeswit worker --beat --pool=solo`, logging to a file; ready when it says so."""

    def __init__(self, *, env: dict, workdir: Path):
        self.log_path = workdir / "worker.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(VENV_BIN / "celery"),
            "-A",
            "routeswit",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"e2e-{uuid.uuid4().hex[:8]}@%h",
            "--schedule",
            str(workdir / "celerybeat-schedule"),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        wait_for(lambda: " ready." in self.output() or self.process.poll() is not None, what="the worker")
        assert self.process.poll() is None, self.output()[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def sla_check_once(*, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "sla_check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )
