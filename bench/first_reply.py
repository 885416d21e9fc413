"""Time the first customer replies after `kefu serve` starts (the model warm-up shows here).

    python -m bench.first_reply
"""
import tempfile
import time
from pathlib import Path

import httpx

from kefu.config import Settings
from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_api_key
from tests.support.server import LiveServer


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'f.db'}"
    upgrade(url)
    info = seed_demo(Database(url))
    rt = Runtime(Settings(database_url=url))
    with rt.db.session() as db:
        _, sk = do_create_api_key(db, tenant_id=info.tenant_id, name="x")
    s = LiveServer(url, log_dir=tmp).start()
    time.sleep(3)  # a customer arrives a few seconds after start
    h = {"Authorization": f"Bearer {sk}"}
    c = httpx.Client(base_url=s.base_url, headers=h, timeout=60)
    cid = c.post("/api/v1/channels/api/conversations", json={"customer_id": "a"}).json()["conversation"]["id"]
    for i in range(2):
        t = time.perf_counter()
        c.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": "多久发货"})
        print(f"message {i+1}: {(time.perf_counter()-t)*1000:.0f} ms")
    s.stop()


if __name__ == "__main__":
    main()
