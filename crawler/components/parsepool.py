"""The parse workers: processes that prepare pages (``crawler.components.prepare``) while the crawl downloads.

A crawl's process runs Scrapy's event loop: while it parses a page, no response is read. Parsing, extraction,
tokenizing, fingerprints and topic matching take most of a page's CPU time, and Python runs them on one core at
a time, so they go to worker processes, one per core by default (``[crawl] parse_workers``).

Each worker is forked from the crawl process (where there is ``fork``; else multiprocessing's *spawn*, a fresh
interpreter): it starts at once, with every module and the compiled topics already loaded, where a spawned one
spends about 0.6 s of CPU importing them. The first thing a forked worker does is leave the crawl behind: every
file but its two pipes closed (the database, the spider lock, sockets, the event loop's), the crawl's signal
handlers undone (``_leave_crawl``). It then has two pipes: pages in, results out. The crawl's event loop
watches the result pipes (``loop.add_reader``) and hands a worker its next page when it has sent back the last
one; the page pipe is enlarged to hold a whole page, so handing it over does not wait on the worker and no
thread is needed. Pages wait in order; results are stored in the order they come back. How many pages wait is
bounded by Scrapy itself: a response counts against ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` until its item is stored,
and past that the engine stops taking new requests.

A worker that dies (killed for memory, a crash in a C library on a hostile page) is noticed at once, its pipe
closing, and replaced; the page it held is tried once more on another worker, and dropped, counted
(``parse_crashed``), if it kills that one too. After ``MAX_DEATHS`` deaths the pool is given up and what is
left is parsed in the crawl process. A worker's log records are sent back with its result and logged in the
crawl process under their own logger names. When the crawl process ends, the page pipes close and the workers
exit; they ignore Ctrl-C, which a terminal sends to every process of the crawl.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from crawler.components.heap import freeze
from crawler.components.prepare import Preparer, PrepareSetup
from crawler.items import Article, Page

logger = logging.getLogger(__name__)

PIPE_BYTES = 1 << 20  # Linux's limit for an unprivileged pipe: two pages of a large site fit
# Pages a worker holds at once: the one it parses and the next, so that it never waits for the crawl process to
# take a result and send more (measured: with one, the workers idled a third of the time).
PAGES_AHEAD = 2
MAX_DEATHS = 8
JOIN_SECONDS = 3.0


class PoolUnavailable(Exception):
    """The workers could not be started (or were given up): pages are parsed in the crawl process."""


class PageFailed(Exception):
    """A page the workers could not prepare: ``reason`` is the counted reason, the message says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class _Job:
    page: Page
    future: asyncio.Future[Article]
    tries: int = 0


@dataclass
class _Worker:
    process: Any
    pages: Connection
    results: Connection
    jobs: deque[_Job] = field(default_factory=deque)  # sent, in the order the worker takes them
    done: int = field(default=0)


def default_start_method() -> str:
    """``fork`` where there is one (Linux and the other Unixes), else ``spawn``."""
    return "fork" if hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods() else "spawn"


class _Forked:
    """A worker forked from the crawl process, with the part of ``multiprocessing.Process`` the pool uses."""

    def __init__(self, pages: Connection, results: Connection, setup: PrepareSetup) -> None:
        keep = {0, 1, 2, pages.fileno(), results.fileno()}
        with warnings.catch_warnings():  # Python 3.12+ warns about forking a process with threads: see _leave_crawl
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                _leave_crawl(keep)
                serve(pages, results, setup)
                code = 0
            finally:
                os._exit(code)
        self.pid = pid
        self.exitcode: int | None = None

    def join(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or 0.0)
        while self.exitcode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exitcode = os.waitstatus_to_exitcode(status)
            elif timeout is not None and time.monotonic() >= deadline:
                return
            else:
                time.sleep(0.01)

    def is_alive(self) -> bool:
        self.join(0)
        return self.exitcode is None

    def kill(self) -> None:
        if self.is_alive():
            os.kill(self.pid, signal.SIGKILL)


def _leave_crawl(keep: set[int]) -> None:
    """In a forked worker, first of all: nothing of the crawl process's but the two pipes. Its other files (the
    database, the spider lock, sockets, the event loop's) are closed, so that the lock is never held by a worker and
    its pipes read as ended when the crawl process dies; its signal handlers (Scrapy's shutdown, the event loop's
    wake-up pipe) are undone. Only this thread runs in the worker; it uses nothing another thread of the crawl
    process could have held a lock on at the fork (the crawl's threads resolve host names)."""
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, max(low, _max_fd()))


def _max_fd() -> int:
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096


class ParsePool:
    def __init__(self, size: int, setup: PrepareSetup, start_method: str = "") -> None:
        self.size = size
        self.setup = setup
        self.start_method = start_method or default_start_method()
        self.deaths = 0
        self.cpu_seconds = 0.0  # what preparing the pages took the workers (their start-up not counted)
        self._workers: list[_Worker] = []
        self._waiting: deque[_Job] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def usable(self) -> bool:
        return bool(self._workers) and not self._closed

    def start(self) -> None:
        """Start the workers (they import and set up while the crawl goes on); PoolUnavailable with the reason if
        they cannot be started here."""
        try:
            self._loop = asyncio.get_running_loop()
            context = multiprocessing.get_context(self.start_method)
            freeze()  # the workers share the crawl's objects instead of copying what a collection would touch
            for _ in range(self.size):
                self._workers.append(self._spawn(context))
        except (OSError, RuntimeError, ValueError, pickle.PicklingError) as error:
            self.close()
            raise PoolUnavailable(f"{type(error).__name__}: {error}") from None

    def _spawn(self, context: Any) -> _Worker:
        pages_out, pages_in = context.Pipe(duplex=False)
        results_out, results_in = context.Pipe(duplex=False)
        for end in (pages_in, results_in):
            _enlarge(end)
        try:
            if self.start_method == "fork":
                process: Any = _Forked(pages_out, results_in, self.setup)
            else:
                process = context.Process(target=serve, args=(pages_out, results_in, self.setup),
                                          name="khabar-parse", daemon=True)
                process.start()
        finally:
            pages_out.close()  # the worker's ends: with these closed here, a dead worker reads as end of file
            results_in.close()
        worker = _Worker(process, pages_in, results_out)
        assert self._loop is not None
        self._loop.add_reader(results_out.fileno(), self._on_result, worker)
        return worker

    async def prepare(self, page: Page) -> Article:
        """The page prepared by a worker; PageFailed for a page that cannot be, PoolUnavailable if the pool is
        gone before it was."""
        if not self.usable:
            raise PoolUnavailable("the parse workers are gone")
        assert self._loop is not None
        job = _Job(page, self._loop.create_future())
        self._waiting.append(job)
        self._hand_out()
        return await job.future

    def _hand_out(self) -> None:
        for worker in list(self._workers):
            while len(worker.jobs) < PAGES_AHEAD and self._waiting and worker in self._workers:
                if worker.jobs and _size(self._waiting[0].page) > PIPE_BYTES // 2:
                    break  # a large page waits for an idle worker: sent ahead, it could fill the pipe, stall the loop
                job = self._waiting.popleft()
                worker.jobs.append(job)
                try:
                    worker.pages.send_bytes(pickle.dumps(job.page, protocol=pickle.HIGHEST_PROTOCOL))
                except OSError:
                    self._lost(worker)

    def _on_result(self, worker: _Worker) -> None:
        try:
            data = worker.results.recv_bytes()
        except (EOFError, OSError):
            self._lost(worker)
            return
        job = worker.jobs.popleft() if worker.jobs else None
        worker.done += 1
        outcome, value, records, spent = pickle.loads(data)
        self.cpu_seconds += spent
        for name, level, message in records:
            logging.getLogger(name).log(level, "%s", message)
        if job is not None and not job.future.done():
            if outcome == "ok":
                job.future.set_result(value)
            else:
                job.future.set_exception(PageFailed("parse_error", value))
        self._hand_out()

    def _lost(self, worker: _Worker) -> None:
        """A worker died: replace it, give its page one more try, or give the pool up."""
        self._retire(worker)
        worker.process.join(0.5)
        self.deaths += 1
        job = worker.jobs[0] if worker.jobs else None  # the page it was parsing; the next one it never read
        logger.warning("a parse worker died (%s)%s", _exit_reason(worker.process.exitcode),
                       f" while parsing {job.page.url}" if job else "")
        self._waiting.extendleft(reversed([later for later in list(worker.jobs)[1:] if not later.future.done()]))
        worker.jobs.clear()
        if job is not None and not job.future.done():
            job.tries += 1
            if job.tries >= 2:
                job.future.set_exception(PageFailed("parse_crashed", f"the page killed two parse workers "
                                                    f"({_exit_reason(worker.process.exitcode)})"))
            else:
                self._waiting.appendleft(job)
        if self.deaths > MAX_DEATHS or self._closed:
            self._give_up(f"{self.deaths} parse workers died")
            return
        try:
            self._workers.append(self._spawn(multiprocessing.get_context(self.start_method)))
        except (OSError, RuntimeError, ValueError) as error:
            if not self._workers:
                self._give_up(f"no worker could be started again: {error}")
                return
        self._hand_out()

    def _retire(self, worker: _Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        if self._loop is not None and not worker.results.closed:
            self._loop.remove_reader(worker.results.fileno())
        for end in (worker.pages, worker.results):
            end.close()

    def _give_up(self, why: str) -> None:
        """Every page not yet prepared goes back to the crawl process."""
        if not self._closed:
            logger.error("parse workers given up (%s): parsing in the crawl process from now on", why)
        pending = [*self._waiting, *(job for w in self._workers for job in w.jobs)]
        self._waiting.clear()
        self.close()
        for job in pending:
            if not job.future.done():
                job.future.set_exception(PoolUnavailable(why))

    def close(self) -> None:
        """Stop the workers: their page pipes close, they finish what they hold and exit (or are ended)."""
        self._closed = True
        workers, self._workers = self._workers, []
        for worker in workers:
            self._retire(worker)
        for worker in workers:
            worker.process.join(JOIN_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1.0)
        for job in [*self._waiting, *(job for w in workers for job in w.jobs)]:
            if not job.future.done():
                job.future.set_exception(PoolUnavailable("the parse workers were stopped"))
        self._waiting.clear()


def _size(page: Page) -> int:
    return len(page.body) + len(page.html)


def _enlarge(end: Connection) -> None:
    """Make a pipe hold a whole page, so that handing one over never waits on the worker (Linux only)."""
    try:
        import fcntl

        fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # another platform, or a lower limit: a large page then waits until the worker reads it


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


# --- the worker side -------------------------------------------------------------------------------------


class _Records(logging.Handler):
    """A worker's log records, kept to be sent back with the result of the page they are about."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.kept: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        kept, self.kept = self.kept, []
        return kept


def serve(pages: Connection, results: Connection, setup: PrepareSetup) -> None:
    """A worker's life: prepare each page it is sent, send back (outcome, article or reason, log records, CPU
    seconds it took)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole terminal group: the crawl decides
    records = _Records(setup.log_level)
    root = logging.getLogger()
    root.handlers[:] = [records]
    root.setLevel(setup.log_level)
    preparer = Preparer(setup)
    while True:
        try:
            page = pickle.loads(pages.recv_bytes())
        except (EOFError, OSError):
            return  # the crawl closed the pool, or ended
        started = time.process_time()
        try:
            outcome: tuple[str, Any] = ("ok", preparer.prepare(page))
        except Exception as error:  # a broken page is the crawl's to count, not a reason to stop
            outcome = ("error", f"{type(error).__name__}: {error}")
        spent = time.process_time() - started
        try:
            results.send_bytes(pickle.dumps((*outcome, records.take(), spent), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return
