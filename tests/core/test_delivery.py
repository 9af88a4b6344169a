"""The one delivery rule behind contact, booking and questionnaire emails."""

from types import SimpleNamespace
from unittest import mock

import pytest

from physiofit.core import delivery
from physiofit.core.delivery import MAX_ATTEMPTS, StatusFields, deliver


class Row(SimpleNamespace):
    def save(self, update_fields):
        self.saved = list(update_fields)


class Retry:
    def __init__(self):
        self.queued = []

    def using(self, run_after):
        self.run_after = run_after
        return self

    def enqueue(self, pk):
        self.queued.append((pk, self.run_after))


def row(**fields):
    return Row(
        **{"pk": 7, "email_status": "queued", "email_attempts": 0, "email_error": "", **fields}
    )


class Broken:
    def send(self):
        raise ConnectionRefusedError("no route")


class Works:
    def send(self):
        return 1


@pytest.fixture
def deferring():
    with mock.patch.object(delivery, "default_task_backend", SimpleNamespace(supports_defer=True)):
        yield


def test_a_failure_is_recorded_and_retried_with_growing_delay(deferring):
    target, retry = row(), Retry()
    assert deliver(target, build=Broken, retry=retry) == "failed"
    assert (target.email_status, target.email_attempts) == ("failed", 1)
    assert target.email_error == "ConnectionRefusedError: no route"
    assert deliver(target, build=Broken, retry=retry) == "failed"
    (_, first), (_, second) = retry.queued
    assert second > first  # 2 minutes, then 4
    assert deliver(target, build=Works, retry=retry) == "sent"
    assert (target.email_status, target.email_error, target.email_attempts) == ("sent", "", 3)
    assert deliver(target, build=Broken, retry=retry) == "already sent"


def test_retries_stop_after_the_last_attempt(deferring):
    target, retry = row(email_attempts=MAX_ATTEMPTS - 1), Retry()
    assert deliver(target, build=Broken, retry=retry) == "failed"
    assert retry.queued == []


def test_building_the_email_can_fail_too_and_sent_at_is_kept():
    target = Row(pk=1, status="queued", attempts=0, error="", sent_at=None)
    fields = StatusFields(status="status", attempts="attempts", error="error", sent_at="sent_at")

    def bad_template():
        raise ValueError("template")

    assert deliver(target, build=bad_template, retry=Retry(), fields=fields) == "failed"
    assert deliver(target, build=Works, retry=Retry(), fields=fields) == "sent"
    assert target.sent_at is not None
    assert "sent_at" in target.saved
