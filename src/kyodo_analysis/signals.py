"""Ctrl-C and SIGTERM around a publication: held until its renames are done, then delivered, and said as which
generation of the outputs is in place (:class:`Interrupted`)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM delivered right after a publication: ``published`` says which generation is in place."""

    def __init__(self, published: bool) -> None:
        super().__init__()
        self.published = published


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done: they are noted, then raised again right after it
    (by the handlers in place before; in any thread but the main one, nothing is held)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: held.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if held:
            signal.raise_signal(held[0])
