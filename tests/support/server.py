"""Start real `kefu serve` processes for tests that need a live HTTP server (browsers, multi-process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """One `kefu serve` process; restartable on the same port and database."""

    def __init__(self, database_url: str, *, redis_url: str | None = None, port: int | None = None,
                 log_dir: Path | None = None, env: dict[str, str] | None = None, args: list[str] | None = None):
        self.database_url = database_url
        self.redis_url = redis_url
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = (log_dir or Path("/tmp")) / f"kefu-server-{self.port}.log"
        self.extra_env = env or {}
        self.args = args or []  # more `kefu serve` options (--workers 2, --log-format json)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> LiveServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        env.update(KEFU_DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1", **self.extra_env)
        if self.redis_url:
            env["KEFU_REDIS_URL"] = self.redis_url
        log = open(self.log_path, "ab")  # noqa: SIM115  (kept open for the child's lifetime)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "serve", "--port", str(self.port), "--no-migrate",
             *self.args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text()[-3000:]
                raise RuntimeError(f"kefu serve exited early; see {self.log_path}:\n{tail}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"kefu serve did not answer within {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def wait_ready(self, timeout: float = 120.0) -> dict:
        """Wait until /readyz answers 200 (the bot's models are loaded) and return its body."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = httpx.get(self.base_url + "/readyz", timeout=5.0)
            if last.status_code == 200:
                return last.json()
            time.sleep(0.2)
        raise RuntimeError(f"not ready within {timeout}s: {last.text if last else 'no answer'}")

    def restart(self) -> None:
        self.stop()
        self.start()
