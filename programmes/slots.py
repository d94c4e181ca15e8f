"""At most N of a heavy job at once on one server, counted across its worker processes.

A PDF render holds a core and up to a few hundred megabytes for a second or more. With
every worker rendering at once a server would run out of memory and stop answering the
phones in a room, so renders take one of `PDF_RENDERS_AT_ONCE` slots first. A slot is an
exclusive `flock` on one of N small files in `SLOTS_DIR` (local to the server, like its
memory): the kernel frees it when its holder ends, even when a worker is killed mid-render,
so a slot can never leak. A job that finds every slot taken waits up to `wait` seconds,
then gives up with `Busy`, which the middleware answers with a translated 503 and a
`Retry-After`.

Per user limits (six reports a minute) are counted across servers in `ratelimit`; this
bound is per server on purpose: it protects the machine the render runs on.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


class Busy(Exception):
    """Every slot stayed taken for as long as the job could wait."""

    retry_after = 10  # seconds


@contextlib.contextmanager
def slot(kind: str, *, at_once: int, wait: float = 5.0, poll: float = 0.05) -> Iterator[int]:
    """Hold one of `at_once` slots of `kind` on this server for the block; raise `Busy`
    when none frees up within `wait` seconds. Yields the slot's number."""
    directory = Path(settings.SLOTS_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        for number in range(at_once):
            fd = os.open(directory / f"{kind}-{number}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield number
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise Busy(kind)
        time.sleep(poll)


def pdf_slot() -> contextlib.AbstractContextManager[int]:
    """One of the server's PDF render slots."""
    return slot("pdf", at_once=settings.PDF_RENDERS_AT_ONCE, wait=settings.PDF_SLOT_WAIT)
