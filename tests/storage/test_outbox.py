"""The outbox on each backend: idempotent queueing, sending leases, outcomes only while leased."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from monitor.model import OutboxKind, OutboxStatus
from storage import outbox
from storage.database import Store
from tests.storage.factories import NOW

LEASE = timedelta(minutes=10)


def message(key: str = "urgent:alerts:1") -> outbox.NewMessage:
    return outbox.NewMessage(
        kind=OutboxKind.URGENT,
        idempotency_key=key,
        message_id=f"<{key.replace(':', '.')}@calcot.example>",
        recipients=("head@calcot.example",),
        subject="[Urgent] abusive · mumsnet: a post",
        body_text="text",
        body_html="<p>html</p>",
    )


def test_a_key_is_queued_once(store: Store) -> None:
    with store.transaction() as tx:
        first = outbox.add(tx, message(), NOW)
        again = outbox.add(tx, message(), NOW)
    assert first is not None and again is None


def test_a_leased_row_is_taken_by_one_dispatcher_until_its_lease_expires(store: Store) -> None:
    with store.transaction() as tx:
        row_id = outbox.add(tx, message(), NOW)
    with store.transaction() as tx:
        taken = outbox.claim_next(tx, "a", NOW, NOW + LEASE)
    assert taken is not None and taken.id == row_id and taken.attempts == 1
    assert taken.status is OutboxStatus.SENDING and taken.lease_owner == "a"
    with store.transaction() as tx:
        assert (
            outbox.claim_next(tx, "b", NOW + LEASE - timedelta(seconds=1), NOW + 2 * LEASE) is None
        )
    with store.transaction() as tx:
        retaken = outbox.claim_next(tx, "b", NOW + LEASE + timedelta(seconds=1), NOW + 2 * LEASE)
    assert retaken is not None and retaken.lease_owner == "b" and retaken.attempts == 2
    with store.transaction() as tx:
        # The first dispatcher lost its lease: its late outcome is not recorded.
        assert not outbox.mark_sent(tx, row_id, "a", NOW + LEASE)
        assert outbox.mark_sent(tx, row_id, "b", NOW + LEASE)
        row = outbox.get(tx, row_id)
    assert row is not None and row.status is OutboxStatus.SENT and row.lease_owner is None


def test_retry_waits_and_failure_is_final_and_listed(store: Store) -> None:
    with store.transaction() as tx:
        row_id = outbox.add(tx, message(), NOW)
        assert row_id is not None
        outbox.claim_next(tx, "a", NOW, NOW + LEASE)
        assert outbox.mark_retry(tx, row_id, "a", "451 later", NOW + timedelta(minutes=1))
        assert outbox.claim_next(tx, "a", NOW, NOW + LEASE) is None
        assert outbox.claim_next(tx, "a", NOW + timedelta(minutes=1), NOW + LEASE) is not None
        assert outbox.mark_failed(tx, row_id, "a", "554 spam")
        assert outbox.claim_next(tx, "a", NOW + timedelta(days=9), NOW + LEASE) is None
        [failed] = outbox.failed_since(tx, NOW - timedelta(days=1))
        assert outbox.failed_since(tx, NOW + timedelta(days=1)) == []
    assert failed.id == row_id and failed.last_error == "554 spam" and failed.attempts == 2


def test_a_held_message_is_taken_only_when_due(store: Store) -> None:
    with store.transaction() as tx:
        row_id = outbox.add(
            tx,
            outbox.NewMessage(
                kind=OutboxKind.URGENT,
                idempotency_key="urgent:held:x",
                message_id="<held@calcot.example>",
                recipients=("head@calcot.example",),
                subject="held",
                body_text="t",
                body_html=None,
                next_attempt_at=NOW + timedelta(hours=8),
            ),
            NOW,
        )
        assert outbox.unsent_by_key(tx, "urgent:held:x") is not None
        assert outbox.claim_next(tx, "a", NOW, NOW + LEASE) is None
        taken = outbox.claim_next(tx, "a", NOW + timedelta(hours=8), NOW + LEASE)
    assert taken is not None and taken.id == row_id


def test_bring_forward_makes_deferred_rows_due_and_leaves_held_and_leased_ones(
    store: Store,
) -> None:
    later = NOW + timedelta(hours=8)
    with store.transaction() as tx:
        deferred = outbox.add(tx, message("urgent:alerts:1"), NOW)
        leased = outbox.add(tx, message("urgent:alerts:2"), NOW)
        held = outbox.add(tx, replace(message("urgent:held:x"), next_attempt_at=later), NOW)
        assert deferred is not None and leased is not None and held is not None
        assert outbox.claim_next(tx, "a", NOW, NOW + LEASE) is not None
        assert outbox.mark_retry(tx, deferred, "a", "451 later", NOW + timedelta(minutes=1))
        taken = outbox.claim_next(tx, "b", NOW, NOW + LEASE)
        assert taken is not None and taken.id == leased

        assert outbox.bring_forward(tx, NOW) == 1

        again = outbox.claim_next(tx, "c", NOW, NOW + LEASE)
        assert again is not None and again.id == deferred and again.attempts == 2
        assert outbox.claim_next(tx, "c", NOW, NOW + LEASE) is None  # held, and leased to b
        still_held = outbox.get(tx, held)
    assert still_held is not None and still_held.next_attempt_at == later
