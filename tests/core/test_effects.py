"""Side effects leave only after commit; a rollback drops them and cleans up."""

from __future__ import annotations

import pytest

from cosmostream import effects, mail
from cosmostream.db import Database
from cosmostream.worker import huey
from tests.conftest import MailSink


async def test_after_commit_runs_only_on_commit(db: Database) -> None:
    ran: list[str] = []
    async with db.unit_of_work():
        effects.after_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]


async def test_rollback_drops_effects_and_runs_cleanups(db: Database) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.unit_of_work():
            effects.after_commit(lambda: ran.append("committed"))
            effects.on_rollback(lambda: ran.append("cleaned"))
            raise RuntimeError("boom")
    assert ran == ["cleaned"]


async def test_tasks_are_enqueued_after_commit_only(db: Database) -> None:
    before = huey.pending_count()
    with pytest.raises(RuntimeError):
        async with db.unit_of_work():
            mail.queue(mail.Mail(to="x@example.com", subject="never", text="never"))
            raise RuntimeError("rolled back")
    assert huey.pending_count() == before
    async with db.unit_of_work():
        mail.queue(mail.Mail(to="x@example.com", subject="once", text="once"))
        assert huey.pending_count() == before  # still buffered inside the transaction
    assert huey.pending_count() == before + 1


async def test_mail_task_delivers_over_smtp(
    db: Database, mail: MailSink, task_worker: object
) -> None:
    async with db.unit_of_work():
        mail_module_queue("hello@example.com")
    [message] = mail.wait_for("hello@example.com")
    assert message["Subject"] == "Hi"


def mail_module_queue(to: str) -> None:
    mail.queue(mail.Mail(to=to, subject="Hi", text="Hello from the queue", html="<p>Hello</p>"))


async def test_outbox_when_no_smtp(db: Database, settings: object) -> None:
    from cosmostream.config import Settings

    assert isinstance(settings, Settings)
    plain = settings.model_copy(update={"smtp_host": None})
    await mail.deliver(
        mail.Mail(to="box@example.com", subject="Boxed", text="In the outbox"), plain
    )
    [written] = list(plain.outbox_dir.glob("*.eml"))
    assert b"Subject: Boxed" in written.read_bytes()


def test_effects_need_a_unit_of_work() -> None:
    with pytest.raises(RuntimeError):
        effects.after_commit(lambda: None)


async def test_tasks_are_enqueued_by_name_after_commit_only(db: Database) -> None:
    data = {"to": "x@example.com", "subject": "named", "text": "named", "html": None}
    before = huey.pending_count()
    with pytest.raises(RuntimeError):
        async with db.unit_of_work():
            effects.enqueue("mail.send", data)
            raise RuntimeError("rolled back")
    assert huey.pending_count() == before
    async with db.unit_of_work():
        effects.enqueue("mail.send", data)
        assert huey.pending_count() == before
    assert huey.pending_count() == before + 1


async def test_an_unknown_task_name_fails_the_unit_of_work(db: Database) -> None:
    ran: list[str] = []
    before = huey.pending_count()
    with pytest.raises(LookupError, match=r"mail\.sned"):
        async with db.unit_of_work():
            effects.after_commit(lambda: ran.append("committed"))
            effects.enqueue("mail.sned", {})
    assert ran == []
    assert huey.pending_count() == before
