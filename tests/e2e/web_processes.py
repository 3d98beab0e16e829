"""A real gunicorn serving the app on loopback, and a private PostgreSQL cluster that tests may stop."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.e2e.sla_processes import ROOT, VENV_BIN, free_port, wait_for

PG_BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin"


class Web:
    """gunicorn (gthread) with the given environment, logging to a file."""

    def __init__(self, *, env: dict, workdir: Path, threads: int = 8):
        self.port = free_port()
        self.log_path = workdir / f"web-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(VENV_BIN / "gunicorn"),
            "routeswit.wsgi",
            "-k",
            "gthread",
            "--workers",
            "1",
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(self._answers, what="gunicorn to answer")

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.output()[-3000:]
        try:
            self.request("GET", "/api/v1/health", timeout=2)
            return True
        except OSError:
            return False

    def request(self, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = json.dumps(body) if body is not None else None
            conn.request(
                method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})}
            )
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), dict(response.getheaders())
        finally:
            conn.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


class PrivatePostgres:
    """A throwaway cluster owned by the postgres user on its own port, so a test can stop and start it."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="routeswit-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres"]
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=60
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-o",
                options,
                "-w",
                "start",
                "-l",
                str(self.dir / "log"),
            ]
        )

    def stop(self) -> None:
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=30,
        )
        shutil.rmtree(self.dir, ignore_errors=True)
