"""Measure how long a failed login takes for an existing account and for an unknown email (they should match).

    python -m bench.logins [--database sqlite|postgresql] [--rounds 60]

In one process, through the app (TestClient), against a real database: wrong passwords for a real account and for
emails nobody has, interleaved so both see the same machine load; the attempt limit is raised so every attempt is
checked. Prints the median and the 10th/90th percentiles of each and the difference of the medians.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from kefu.config import Settings
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_tenant, do_create_user
from kefu.web.app import create_app


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres_url if args.database == "postgresql" else f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        runtime = Runtime(Settings(database_url=url, login_max_failures=10 ** 6, media_dir=str(Path(tmp) / "m")))
        with runtime.db.session() as db:
            tenant = do_create_tenant(db, name="bench", slug=f"bench-logins-{int(time.time())}")
            do_create_user(db, tenant_id=tenant.id, email=f"owner@{tenant.slug}.test", name="o", role="owner",
                           password="the right password")
            email = f"owner@{tenant.slug}.test"
        times: dict[str, list[float]] = {"existing account": [], "unknown email": []}
        with TestClient(create_app(runtime)) as client:
            for n in range(args.rounds + 3):
                for kind, who in (("existing account", email), ("unknown email", f"nobody{n}@{tenant.slug}.test")):
                    start = time.perf_counter()
                    r = client.post("/api/v1/auth/login", json={"email": who, "password": "a wrong password"})
                    elapsed = (time.perf_counter() - start) * 1000
                    assert r.status_code == 401, r.text
                    if n >= 3:  # the first rounds warm caches (the dummy hash, the connection pool)
                        times[kind].append(elapsed)
        runtime.db.dispose()
    for kind, xs in times.items():
        print(f"{kind:17s} median {statistics.median(xs):6.1f} ms   p10 {pct(xs, 0.1):6.1f}   p90 {pct(xs, 0.9):6.1f}"
              f"   ({len(xs)} attempts)")
    diff = statistics.median(times["existing account"]) - statistics.median(times["unknown email"])
    print(f"difference of the medians: {diff:+.1f} ms ({args.database})")


if __name__ == "__main__":
    main()
