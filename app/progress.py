"""The progress display of ``affgraph load``: files and records, for loads that take a while.

Nothing is shown for a load that is over within :data:`DELAY` seconds, nor when stderr is not
a terminal; otherwise a bar appears on stderr — the file being read (n of m), the records read
so far, then checking and writing, and the time taken — and stays until the load ends. It is
transient: once the load is over it disappears, leaving only the summary or the errors.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from loaders.load import LoadProgress

__all__ = ["DELAY", "LoadDisplay"]

#: seconds a load runs before its progress is shown
DELAY = 0.5
_REFRESH = 0.1  # seconds between updates of the record count


class LoadDisplay:
    """A context manager whose :attr:`hooks` feed ``load_paths``'s progress to a rich bar."""

    def __init__(self, console: Console, delay: float = DELAY) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[records]:,} records"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("reading", total=None, records=0, files="")
        self._enabled = console.is_terminal
        self._records = 0
        self._files = 0
        self._last = 0.0
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        self._lock = threading.Lock()
        self._shown = False
        self._closed = False
        self.hooks = LoadProgress(records=self._count, file=self._file, step=self._step)

    def __enter__(self) -> LoadDisplay:
        if self._enabled:
            self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._shown:
                self._progress.stop()

    @property
    def shown(self) -> bool:
        """Whether the bar has appeared (the load took longer than the delay)."""
        return self._shown

    def _show(self) -> None:
        with self._lock:
            if not self._closed:
                self._progress.start()
                self._shown = True

    def _count(self, n: int) -> None:
        self._records += n
        now = time.monotonic()
        if now - self._last >= _REFRESH:
            self._last = now
            self._progress.update(self._task, records=self._records)

    def _file(self, index: int, total: int, path: Path) -> None:
        # the bar counts the files, then checking and writing as one step each
        self._files = total
        self._progress.update(
            self._task,
            total=total + 2,
            completed=index - 1,
            description=f"reading {path.name}",
            files=f"{index}/{total} files",
            records=self._records,
        )

    def _step(self, name: str) -> None:
        # checking, then writing, then what follows the write (the duplicates looked for)
        done = self._files + {"checking": 0, "writing": 1}.get(name, 2)
        self._progress.update(
            self._task,
            total=self._files + 2,
            completed=done,
            description=name,
            files=f"{self._files} files",
            records=self._records,
        )
