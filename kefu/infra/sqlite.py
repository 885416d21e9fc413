"""Queue SQLite's writers in the process instead of letting them poll for its one write lock.

SQLite lets one connection write at a time. A connection that finds the lock taken sleeps and retries (1, 2, 5 …
up to 100 ms between tries) until its busy timeout, so under load the waiters wake late, a newcomer can take the
lock ahead of one that has waited for seconds, and after 30 s the unlucky one fails with "database is locked"
(bench/load.py at 30 messages a second: hundreds of customers' messages lost that way). Here a writer first takes
a process-wide lock, held from its first write statement until its transaction ends: waiters wake the moment the
writer commits, in turn. Readers never take it (WAL readers do not block writers). Between processes SQLite's own
locking still applies (one `kefu serve` process is the SQLite deployment; more need PostgreSQL).
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Statements that take (or, for SAVEPOINT, open the transaction that will take) SQLite's write lock. A savepoint
# takes the gate too: a transaction that read before its first write fails at once if another writer committed
# in between (WAL's snapshot rule), which the gate rules out.
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")
TIMEOUT = 30.0  # as long as SQLite's busy timeout (kefu/db.py), and the same error after it


def serialize_writes(engine: Engine, timeout: float = TIMEOUT) -> None:
    """Make engine's connections take turns to write, in the order they asked (a no-op for other databases)."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_kefu_write_gate", None) is not None:
        return
    gate = threading.Lock()
    holders: set[int] = set()  # id() of the DBAPI connection holding the gate (one at a time)
    engine._kefu_write_gate = gate

    def release(connection) -> None:
        # The dialect is handed the pool's proxy, the pool events the DBAPI connection itself.
        key = id(getattr(connection, "dbapi_connection", connection))
        if key in holders:
            holders.discard(key)
            gate.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn, cursor, statement, parameters, context, executemany):
        dbapi_connection = conn.connection.dbapi_connection
        if id(dbapi_connection) in holders or not statement.lstrip()[:9].upper().startswith(WRITES):
            return
        if not gate.acquire(timeout=timeout):
            raise sqlite3.OperationalError("database is locked")
        holders.add(id(dbapi_connection))

    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    def commit(dbapi_connection) -> None:
        try:
            do_commit(dbapi_connection)
        finally:
            release(dbapi_connection)

    def rollback(dbapi_connection) -> None:
        try:
            do_rollback(dbapi_connection)
        finally:
            release(dbapi_connection)

    # After the transaction has ended, not before (the commit event fires before the COMMIT).
    dialect.do_commit, dialect.do_rollback = commit, rollback
    # A connection thrown away mid-transaction (an error invalidated it) gives the gate back too.
    event.listen(engine.pool, "invalidate", lambda dbapi_connection, _record, _exc: release(dbapi_connection))
    event.listen(engine.pool, "close", lambda dbapi_connection, _record: release(dbapi_connection))
