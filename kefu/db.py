"""Own the database engine, sessions, the declarative base and after-commit callbacks."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from kefu.infra.sqlite import serialize_writes

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every kefu table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Store aware UTC datetimes; SQLite drops the zone, so put it back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


# JSON columns keep Chinese text as it is (not \uXXXX escapes), so a LIKE search inside them finds it.
JSON_SERIALIZER = functools.partial(json.dumps, ensure_ascii=False)


# Every thread that may hold a connection at once gets one: AnyIO's pool for routes (40), the widget's own (16,
# kefu/channels/widget.py), the reactions' workers (4) and the background threads. Fewer, and a burst of messages
# waits on the pool while the requests holding connections wait for a thread (bench.load: "QueuePool limit").
POOL_SIZE, POOL_OVERFLOW = 20, 48


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys so it behaves like a real server database."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, json_serializer=JSON_SERIALIZER)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        # Writers queue in the process instead of polling SQLite's one write lock (kefu/infra/sqlite.py).
        serialize_writes(engine)

        @event.listens_for(engine, "savepoint")
        def _begin_before_savepoint(conn, _name):
            # pysqlite opens a transaction only before a write, so a SAVEPOINT can come first; SQLite then treats
            # its RELEASE as a COMMIT, and a message stored in a savepoint would outlive the rollback of the rest
            # of its transaction (the reaction owed to it included).
            dbapi_conn = conn.connection.dbapi_connection
            if not dbapi_conn.in_transaction:
                dbapi_conn.execute("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                         json_serializer=JSON_SERIALIZER)


class Database:
    """An engine plus its session factory; one per process (tests make their own)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error, then runs after-commit callbacks."""
        with self.sessionmaker() as db:
            try:
                yield db
                db.commit()
            except BaseException:
                db.rollback()
                raise
            finally:
                run_committed(db)

    def dispose(self) -> None:
        self.engine.dispose()


def on_commit(db: Session, fn: Callable[[], None]) -> None:
    """Run fn once the session's current transaction commits; drop it if the transaction rolls back.

    Events are announced only after commit so that no client hears of a message that was rolled back.
    The callbacks run from `commit(db)` or when `Database.session()` ends, after the session has given its
    connection back: a listener that opens its own session (the bot) then never holds two connections.
    """
    db.info.setdefault("on_commit", []).append(fn)


def commit(db: Session) -> None:
    """Commit and run the callbacks the committed work registered (use instead of db.commit())."""
    db.commit()
    run_committed(db)


def run_committed(db: Session) -> None:
    callbacks = db.info.pop("committed", [])
    for fn in callbacks:
        fn()


@event.listens_for(Session, "after_commit")
def _move_to_committed(db: Session) -> None:
    db.info.setdefault("committed", []).extend(db.info.pop("on_commit", []))


@event.listens_for(Session, "after_rollback")
def _drop_on_commit(db: Session) -> None:
    db.info.pop("on_commit", None)
