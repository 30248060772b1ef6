# SPDX-License-Identifier: BSD-3-Clause
"""What the process around ``main`` needs so that no state of its
standard streams or signals ends in a traceback or changes the exit
status.

* Descriptors 0-2 that are closed (``>&-``) are opened on /dev/null, so
  no file piwcheck opens takes their number (a child such as dpkg-query
  would write into it); the stream itself stays known as closed: the
  report cannot go to a closed stdout (one line, exit 2), ``-r -``
  cannot read a closed stdin.
* stdout whose reader has gone (``piwcheck ... | head -1``): the rest is
  dropped quietly and the run ends with the status it would have had,
  as when the pipe's buffer takes the whole output (``--help | head``
  exits 0).  Any other failure to write stdout (``>/dev/full``) is one
  line on stderr and exit 2.
* stderr that cannot be written (closed, a full disk, a pipe whose
  reader has gone) is dropped quietly: the exit status never depends on
  it.
* SIGTERM ends the run as Ctrl-C does, through the same clean-up, with
  exit status 143 (128 + SIGTERM) and "piwcheck: terminated"."""

import errno
import os
import signal
import sys
import threading

#: Exit statuses of an interrupted run: 128 + the signal, as a shell
#: reports a process the signal ended.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread as SIGINT raises
    KeyboardInterrupt, so the same clean-up runs."""


class StdoutError(Exception):
    """stdout cannot be written (not a closed pipe): its reason."""


def reopen_closed_descriptors() -> None:
    """Open /dev/null on each of descriptors 0, 1 and 2 that is closed
    (the lowest free number is the one taken)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                new = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if new != fd:  # a lower one was free after all
                os.dup2(new, fd)
                os.close(new)


class _Guard:
    """A text stream's writes and flushes, with a failure handled once:
    the descriptor (if it is a real one) is pointed at /dev/null, so
    what is still buffered cannot fail again when Python exits, and
    what follows is dropped.  ``fail(exc)`` says what the failure
    means."""

    def __init__(self, stream, fail):
        self._stream = stream
        self._fail = fail
        self.dropped = False
        self.broken_pipe = False

    def write(self, text):
        if not self.dropped:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._failed(exc)
        return len(text)

    def flush(self):
        if not self.dropped:
            try:
                self._stream.flush()
            except OSError as exc:
                self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self.dropped = True
        self.broken_pipe = exc.errno in (errno.EPIPE, errno.ECONNRESET)
        try:
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass
        else:
            try:  # what was buffered goes to /dev/null now
                self._stream.flush()
            except (OSError, ValueError):
                pass
        self._fail(exc)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _Closed:
    """A closed standard stream: writes fail (stdout) or vanish
    (stderr); never a terminal."""

    def __init__(self, fail):
        self._fail = fail
        self.encoding = "utf-8"
        self.errors = "strict"

    def write(self, text):
        self._fail()
        return len(text)

    def flush(self):
        pass

    def isatty(self) -> bool:
        return False


def _stdout_failed(exc: OSError) -> None:
    if exc.errno in (errno.EPIPE, errno.ECONNRESET):
        return  # the reader has what it wanted
    raise StdoutError(exc.strerror or str(exc))


def _stdout_closed() -> None:
    raise StdoutError("it is closed")


class Streams:
    """sys.stdout and sys.stderr guarded for one run of ``main`` (and
    put back after it); ``closed``: which of stdin, stdout and stderr
    were closed."""

    def __init__(self):
        self.saved = (sys.stdout, sys.stderr)
        self.closed = {name for name in ("stdin", "stdout", "stderr")
                       if getattr(sys, name) is None}
        if sys.stdout is None:
            sys.stdout = _Closed(_stdout_closed)
        else:
            sys.stdout = _Guard(sys.stdout, _stdout_failed)
        if sys.stderr is None:
            sys.stderr = _Closed(lambda: None)
        else:
            sys.stderr = _Guard(sys.stderr, lambda exc: None)

    def finish(self) -> None:
        """Flush stdout now (raising StdoutError as a write would), and
        stderr; then put the streams back."""
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            self.restore()

    def restore(self) -> None:
        sys.stdout, sys.stderr = self.saved


def stdin_closed() -> bool:
    """Whether stdin cannot be read (closed when piwcheck started)."""
    return sys.stdin is None


def stdout_closed() -> bool:
    """Whether stdout was closed when piwcheck started."""
    return isinstance(sys.stdout, _Closed)


class Signals:
    """SIGTERM raised as :class:`Terminated` for one run of ``main``
    (from the main thread only: a handler can only be set there), and a
    signal Python could not raise sent again; both put back after it."""

    def __init__(self):
        self.saved = None
        self.hook = None
        if threading.current_thread() is threading.main_thread():
            try:
                self.saved = signal.signal(signal.SIGTERM, _terminate)
            except (OSError, ValueError):
                self.saved = None
            self.hook = sys.unraisablehook
            sys.unraisablehook = self._again

    def _again(self, unraisable) -> None:
        """Ctrl-C or SIGTERM that came inside code Python cannot raise
        from (a weakref callback or finalizer, as when an import lock is
        freed: "Exception ignored in ..."), where it would be lost and
        the run go on: sent again, to be raised where it can be."""
        kind = unraisable.exc_type
        if kind is None or not issubclass(kind, KeyboardInterrupt):
            (self.hook or sys.__unraisablehook__)(unraisable)
            return
        # not from here: it would be raised in this hook, and lost too
        sig = signal.SIGTERM if issubclass(kind, Terminated) else \
            signal.SIGINT
        threading.Thread(target=self._send, args=(sig,), daemon=True,
                         name="piwcheck-signal").start()

    def _send(self, sig: int) -> None:
        import time

        time.sleep(0.05)  # the main thread has left the callback
        if self.hook is not None:  # main has not ended
            os.kill(os.getpid(), sig)

    def restore(self) -> None:
        if self.saved is not None:
            signal.signal(signal.SIGTERM, self.saved)
        if self.hook is not None:
            sys.unraisablehook, self.hook = self.hook, None


def _terminate(signum, frame) -> None:
    raise Terminated()


def exit_on_second_signal(code: int) -> None:
    """After the first Ctrl-C or SIGTERM, a second one ends the process
    there and then (worker threads may still be ending)."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: os._exit(code))


def wait_for_workers(seconds: float) -> None:
    """Give the worker threads (named piwcheck-N by the pool), stopped
    by the interrupt, up to ``seconds`` in all to end, so that what
    they write (the cache's temporary files) is finished or removed
    before Python exits and stops them where they are."""
    import time

    end = time.monotonic() + seconds
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not \
                thread.name.startswith("piwcheck-"):
            continue
        left = end - time.monotonic()
        if left <= 0:
            return
        thread.join(left)
