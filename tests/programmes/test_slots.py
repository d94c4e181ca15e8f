"""At most N PDF renders at once on one server: slots held by other processes count, a slot
frees when its holder dies, and a report asked for while all are taken gets a 503 page."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from django.test import Client
from django.urls import reverse

from programmes import slots
from tests.surveys.test_results_dashboard import two_rounds  # noqa: F401 (a fixture)

HOLDER = textwrap.dedent(
    """
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.read()  # until the test closes the pipe, or kills us
    """
)


@pytest.fixture
def slot_dir(settings, tmp_path):
    settings.SLOTS_DIR = str(tmp_path)
    settings.PDF_RENDERS_AT_ONCE = 1
    settings.PDF_SLOT_WAIT = 0.2
    return tmp_path


def hold_in_another_process(path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_slot_held_by_another_worker_is_not_given_twice(slot_dir):
    holder = hold_in_another_process(slot_dir / "pdf-0")
    try:
        with pytest.raises(slots.Busy), slots.pdf_slot():
            pass
    finally:
        holder.kill()
        holder.wait(timeout=10)
    # The kernel freed the dead worker's lock.
    with slots.pdf_slot() as number:
        assert number == 0


def test_n_slots_are_given_then_no_more(slot_dir, settings):
    settings.PDF_RENDERS_AT_ONCE = 2
    with slots.pdf_slot() as first, slots.pdf_slot() as second:
        assert {first, second} == {0, 1}
        with pytest.raises(slots.Busy), slots.pdf_slot():
            pass
    with slots.pdf_slot() as again:  # both were given back
        assert again == 0


@pytest.mark.django_db
def test_a_report_while_every_slot_is_taken_gets_a_503_then_works(
    slot_dir,
    cast,
    two_rounds,  # noqa: F811
):
    client = Client()
    client.force_login(cast.manager)
    url = reverse("report_pdf", args=[cast.programme.pk])
    with slots.pdf_slot():
        busy = client.get(url)
    assert busy.status_code == 503
    assert busy["Retry-After"] == str(slots.Busy.retry_after)
    assert "Nothing is lost" in busy.text
    assert client.get(url).status_code == 200
