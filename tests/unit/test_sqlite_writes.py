"""SQLite writers take turns through the process's write gate: waiters wake when the writer ends, none fail."""

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from kefu.infra.sqlite import serialize_writes


@pytest.fixture
def engine(tmp_path):
    # A short busy timeout: without the gate, the second writer below would fail with "database is locked".
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}", connect_args={"timeout": 0.2, "check_same_thread": False})
    with engine.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    serialize_writes(engine, timeout=2.0)  # a leaked gate fails a test in 2 s, not 30
    yield engine
    engine.dispose()


def _rows(engine):
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT who FROM t ORDER BY id"))]


def test_a_second_writer_waits_for_the_first_to_commit_instead_of_failing(engine):
    first_wrote, order = threading.Event(), []

    def slow_writer():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('first')"))
            first_wrote.set()
            time.sleep(0.6)  # three busy timeouts: SQLite alone would give up on the second writer
            order.append("first commits")

    t = threading.Thread(target=slow_writer)
    t.start()
    first_wrote.wait(5)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
        order.append("second writes")
    t.join(5)
    assert order == ["first commits", "second writes"]
    assert _rows(engine) == ["first", "second"]


def test_rollback_and_errors_give_the_gate_back(engine):
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t (who) VALUES ('rolled back')"))
        raise RuntimeError("boom")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'a')"))
        conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'duplicate')"))
    with engine.begin() as conn:  # "database is locked" after 2 s if either block above had kept the gate
        conn.execute(text("INSERT INTO t (who) VALUES ('after')"))
    assert _rows(engine) == ["after"]


def test_readers_do_not_wait_for_a_writer(engine):
    with engine.begin() as writer:
        writer.execute(text("INSERT INTO t (who) VALUES ('pending')"))
        result = []
        t = threading.Thread(target=lambda: result.append(_rows(engine)))
        t.start()
        t.join(5)
        assert result == [[]]  # read at once, without the uncommitted row


def test_other_databases_are_left_alone():
    engine = create_engine("postgresql+psycopg://u@localhost/x")
    serialize_writes(engine)
    assert getattr(engine, "_kefu_write_gate", None) is None
