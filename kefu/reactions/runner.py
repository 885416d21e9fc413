"""Record, claim, run and retry the reactions owed to committed events, in any process.

The database is the queue (docs/architecture.md says why): a reaction owed to an event is a row written in the
event's transaction; the process that committed runs it at once; a failure is retried with backoff; a row whose
process died is claimed by any other process (or the same one after a restart) once its lease has run out.
Completing a reaction deletes its row in the reaction's own transaction, so it takes effect exactly once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kefu.db import utcnow
from kefu.infra.locks import LockBusy
from kefu.infra.periodic import Periodic
from kefu.reactions.models import PendingReaction

if TYPE_CHECKING:
    from kefu.runtime import Runtime

log = logging.getLogger(__name__)

# How long the poller waits for a conversation's lock before trying another reaction (it runs them one by one).
POLL_LOCK_WAIT = 1.0
# What one try of a reaction came to.
SETTLED, BEHIND, LATER = "settled", "behind", "later"
# Tries of the fallback (on_failure) before a reaction is abandoned, logged, for good.
GIVE_UP_AFTER = 3


@dataclass(frozen=True)
class Reaction:
    """What to do, durably, after each committed event of one type.

    fn(runtime, event, db) does the work in db, the transaction that also deletes the pending row; when(event)
    says whether this event is owed the reaction at all; lock(event) names the lock to hold (one message per
    conversation at a time); key(event) what the reaction answers, so it is never owed twice; on_failure(runtime,
    event, db) runs instead of fn once fn has failed max_attempts times (the customer gets an apology and a person).
    """

    name: str
    event_type: str
    fn: Callable[[Runtime, dict[str, Any], Session], None]
    when: Callable[[dict[str, Any]], bool] | None = None
    lock: Callable[[dict[str, Any]], str] | None = None
    key: Callable[[dict[str, Any]], str] | None = None
    on_failure: Callable[[Runtime, dict[str, Any], Session], None] | None = None


class _Done(Exception):
    """Another process completed the reaction first: undo this attempt."""


class _Later(Exception):
    """An older reaction of the same conversation is still owed: this one waits its turn."""


@dataclass
class Owed:
    """A pending row as a runner holds it between transactions."""

    id: int
    reaction: str
    event: dict[str, Any]
    conversation_id: int | None
    attempts: int  # this try included


class Reactions:
    """The durable reactions registered in this process, and the work of running them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._by_type: dict[str, list[Reaction]] = defaultdict(list)
        self._by_name: dict[str, Reaction] = {}
        self._pool: ThreadPoolExecutor | None = None  # made on the first poll with several conversations due

    def register(self, reaction: Reaction) -> None:
        if reaction.name in self._by_name:
            raise ValueError(f"reaction {reaction.name} is registered twice")
        self._by_name[reaction.name] = reaction
        self._by_type[reaction.event_type].append(reaction)

    # --- in the event's transaction ----------------------------------------------------------------

    def record(self, db: Session, event: dict[str, Any]) -> list[PendingReaction]:
        """Add a pending row for each reaction event is owed; they commit (or roll back) with the event."""
        rows = []
        lease = dt.timedelta(seconds=self.runtime.settings.reaction_lease_seconds)
        for reaction in self._by_type.get(event.get("type", ""), ()):
            if reaction.when is not None and not reaction.when(event):
                continue
            row = PendingReaction(reaction=reaction.name, key=reaction.key(event) if reaction.key else None,
                                  tenant_id=event.get("tenant_id"), conversation_id=event.get("conversation_id"),
                                  event=event, attempts=1, due_at=utcnow() + lease)
            db.add(row)
            rows.append(row)
        return rows

    # --- after commit ------------------------------------------------------------------------------

    def run_committed(self, rows: list[PendingReaction]) -> None:
        """Run the reactions this process just committed (it holds their lease): the fast path."""
        for row in rows:
            owed = Owed(row.id, row.reaction, row.event, row.conversation_id, 1)
            if self.run(owed, lock_wait=None) == BEHIND:
                # An earlier reaction of the conversation is still owed (its process died, or it failed): take
                # the conversation's due reactions in order now, rather than leave this customer to the poller.
                self.catch_up(row.conversation_id)

    def run(self, owed: Owed, *, lock_wait: float | None) -> str:
        """Try one owed reaction: SETTLED (done here or elsewhere), BEHIND (an earlier one of its conversation is
        still owed) or LATER (it failed, its lock is busy, or no reaction of that name is known here)."""
        reaction = self._by_name.get(owed.reaction)
        if reaction is None:  # written by a newer version of kefu; a process that knows it will take it
            log.error("no reaction %s in this process (pending %s)", owed.reaction, owed.id)
            return LATER
        conv = owed.conversation_id
        try:
            lock = self.runtime.locks.lock(reaction.lock(owed.event), wait=lock_wait) if reaction.lock else \
                contextlib.nullcontext()
            with lock, self.runtime.db.session() as db:
                if conv is not None and db.scalar(select(PendingReaction.id).where(
                        PendingReaction.conversation_id == conv, PendingReaction.id < owed.id).limit(1)):
                    raise _Later
                attempts = owed.attempts
                max_attempts = self.runtime.settings.reaction_max_attempts
                if attempts > max_attempts + GIVE_UP_AFTER:
                    log.error("reaction %s abandoned for conversation %s: it and its fallback failed %s times",
                              reaction.name, conv, attempts - 1)
                elif attempts > max_attempts:
                    if reaction.on_failure is not None:
                        log.error("reaction %s gave up for conversation %s after %s attempts; falling back",
                                  reaction.name, conv, max_attempts)
                        reaction.on_failure(self.runtime, owed.event, db)
                    else:
                        log.error("reaction %s dropped for conversation %s after %s attempts", reaction.name, conv,
                                  max_attempts)
                else:
                    reaction.fn(self.runtime, owed.event, db)
                if db.execute(delete(PendingReaction).where(PendingReaction.id == owed.id)).rowcount != 1:
                    raise _Done
            return SETTLED
        except _Done:
            log.info("reaction %s for conversation %s was completed elsewhere; this attempt undone", reaction.name,
                     conv)
            return SETTLED
        except _Later:
            self._postpone(owed.id, seconds=0, counted=False)
            return BEHIND
        except LockBusy:
            self._postpone(owed.id, seconds=0.5, counted=False)
            return LATER
        except Exception as exc:
            log.exception("reaction %s failed for conversation %s (pending %s)", reaction.name, conv, owed.id)
            self._postpone(owed.id, error=f"{type(exc).__name__}: {exc}"[:1000])
            return LATER

    def _postpone(self, row_id: int, *, seconds: float | None = None, counted: bool = True,
                  error: str | None = None) -> None:
        """Make the row due again later: after a backoff that grows with each failure, or after seconds."""
        settings = self.runtime.settings
        try:
            with self.runtime.db.session() as db:
                attempts = db.scalar(select(PendingReaction.attempts).where(PendingReaction.id == row_id))
                if attempts is None:
                    return
                if seconds is None:
                    backoff = settings.reaction_retry_seconds * 2 ** (attempts - 1)
                    seconds = min(settings.reaction_lease_seconds, backoff)
                values: dict[str, Any] = {"due_at": utcnow() + dt.timedelta(seconds=seconds)}
                if not counted:
                    values["attempts"] = PendingReaction.attempts - 1  # the claim counted a try that never began
                if error is not None:
                    values["last_error"] = error
                db.execute(update(PendingReaction).where(PendingReaction.id == row_id).values(**values))
        except Exception:  # the database is away: the lease runs out and a poller tries again
            log.exception("could not postpone pending reaction %s", row_id)

    # --- polling -----------------------------------------------------------------------------------

    def poll(self, limit: int = 500) -> int:
        """Claim and run the reactions that are due (failed before, or left by a process that died), each
        conversation's in order and conversations side by side; return how many were settled."""
        with self.runtime.db.session() as db:
            due = db.execute(self._due().limit(limit)).all()
        groups: dict[Any, list] = defaultdict(list)
        for row in due:
            groups[row.conversation_id if row.conversation_id is not None else ("row", row.id)].append(row)
        if len(groups) <= 1:
            return sum(self._run_in_order(rows) for rows in groups.values())
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(1, self.runtime.settings.reaction_workers),
                                            thread_name_prefix="kefu-reaction")
        return sum(self._pool.map(self._run_in_order, groups.values()))

    def close(self) -> None:
        """Let the worker threads go (the server is stopping; a later poll makes new ones)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def catch_up(self, conversation_id: int) -> int:
        """Run one conversation's due reactions in order, now, in this thread."""
        with self.runtime.db.session() as db:
            due = db.execute(self._due().where(PendingReaction.conversation_id == conversation_id)).all()
        return self._run_in_order(due)

    @staticmethod
    def _due():
        return (select(PendingReaction.id, PendingReaction.reaction, PendingReaction.event,
                       PendingReaction.conversation_id, PendingReaction.attempts, PendingReaction.last_error)
                .where(PendingReaction.due_at <= utcnow()).order_by(PendingReaction.id))

    def _run_in_order(self, rows: list) -> int:
        """Claim and run rows (one conversation's, oldest first) until one is not settled: the rest wait."""
        settled = 0
        lease = dt.timedelta(seconds=self.runtime.settings.reaction_lease_seconds)
        for row in rows:
            if row.reaction not in self._by_name:
                return settled
            now = utcnow()
            try:
                with self.runtime.db.session() as db:
                    claimed = db.execute(update(PendingReaction)
                                         .where(PendingReaction.id == row.id, PendingReaction.due_at <= now)
                                         .values(due_at=now + lease, attempts=PendingReaction.attempts + 1)).rowcount
            except Exception:  # the database is away: the next round tries again
                log.exception("could not claim pending reaction %s", row.id)
                return settled
            if claimed != 1:
                return settled  # another process took it: it takes the rest of the conversation too
            if row.attempts == 1 and not row.last_error:
                log.warning("taking up reaction %s for conversation %s (pending %s): the process that owed it "
                            "stopped before it was done", row.reaction, row.conversation_id, row.id)
            with self.runtime.handling(row.event):
                done = self.run(Owed(row.id, row.reaction, row.event, row.conversation_id, row.attempts + 1),
                                lock_wait=POLL_LOCK_WAIT)
            if done != SETTLED:
                return settled
            settled += 1
        return settled


class Poller(Periodic):
    """Every reaction_poll_seconds, run the reactions that are due (one polling thread per process, handing
    conversations to reaction_workers threads)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__("kefu-reactions", runtime.settings.reaction_poll_seconds,
                         lambda _stop: runtime.reactions.poll())

    def stop(self) -> None:
        super().stop()
        self.runtime.reactions.close()
