"""The deploy steps every target goes through (compile, check, upload, register), their
progress lines, and the one error type that names the step that failed."""

from __future__ import annotations

import sys
import time

from etlnb.analyse.diagnostics import CompileError

STEPS = ("compile", "verify", "check", "upload", "register")


class DeployError(Exception):
    def __init__(self, step: str, message: str):
        self.step = step
        self.left = ""  # what the failure left, when not "the previous deployment is unchanged"
        super().__init__(message)


class Progress:
    """One line per step, with its time; quiet when echo is False.

    `listener(step, status)` hears every step start ("running") and end ("ok"/"failed"):
    the JupyterLab deploy panel drives its progress bar with it.
    """

    def __init__(self, echo: bool = True, listener=None):
        self.echo = echo
        self.listener = listener

    def step(self, name: str, detail: str = ""):
        return _Step(self, name, detail)


class _Step:
    def __init__(self, progress: Progress, name: str, detail: str):
        self.progress, self.name, self.detail = progress, name, detail

    def __enter__(self):
        self.started = time.perf_counter()
        if self.progress.listener:
            self.progress.listener(self.name, "running")
        if self.progress.echo:
            index = STEPS.index(self.name) + 1 if self.name in STEPS else 0
            print(
                f"[{index}/{len(STEPS)}] {self.name}{': ' + self.detail if self.detail else ''} ...",
                end="",
                flush=True,
                file=sys.stderr,
            )
        return self

    def __exit__(self, kind, value, tb):
        if self.progress.listener:
            self.progress.listener(self.name, "ok" if kind is None else "failed")
        if self.progress.echo:
            took = time.perf_counter() - self.started
            print(f" {'ok' if kind is None else 'FAILED'} ({took:.1f}s)", file=sys.stderr)
        if kind is not None and not isinstance(value, DeployError | KeyboardInterrupt):
            raise DeployError(self.name, one_line(value)) from value
        return False


def one_line(exc: BaseException) -> str:
    if isinstance(exc, CompileError):
        return str(exc).splitlines()[0]
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
