"""A spy on the core function a clip layer's task runs: which thread ran each call, and a way to
hold a call until its task is told to stop or the test releases it."""

from __future__ import annotations

import threading

HOLD_TIMEOUT_S = 20.0


class TaskSpy:
    """Calls ``real`` after recording each call's arguments (``calls``), path (``paths``: the
    positional argument at ``path_arg``) and thread (``threads``). A call whose path is in
    ``blocking`` waits first until its ``should_stop`` keyword says stop (then it is listed in
    ``stopped``) or ``release`` is set; ``started`` is set by the first call."""

    def __init__(self, real, path_arg: int = 0) -> None:
        self.real, self.path_arg = real, path_arg
        self.calls: list[tuple] = []
        self.threads: list[threading.Thread] = []
        self.blocking: set = set()
        self.stopped: list = []
        self.release = threading.Event()
        self.started = threading.Event()

    @property
    def paths(self) -> list:
        return [args[self.path_arg] for args in self.calls]

    def __call__(self, *args, should_stop=None, **kwargs):
        self.calls.append(args)
        self.threads.append(threading.current_thread())
        self.started.set()
        if args[self.path_arg] in self.blocking:
            stop = should_stop or (lambda: False)
            for _ in range(int(HOLD_TIMEOUT_S / 0.005)):
                if stop() or self.release.is_set():
                    break
                threading.Event().wait(0.005)  # the worker's thread, not the test's
            if stop():
                self.stopped.append(args[self.path_arg])
        if should_stop is not None:
            kwargs["should_stop"] = should_stop
        return self.real(*args, **kwargs)

    def ran_off_the_gui_thread(self) -> bool:
        """Whether there were calls, none of them on the main (GUI) thread."""
        return bool(self.threads) and all(t is not threading.main_thread() for t in self.threads)
