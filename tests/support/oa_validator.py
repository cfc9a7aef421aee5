"""The official OpenActive validator (@openactive/data-model-validator), offline, for the tests.

One long-running ``node tests/oa_validator/validate-server.js`` process serves every validation of a test
session over NDJSON pipes (see that script for the protocol and for how remote JSON is served offline).
The npm package is installed on first use (``npm ci`` in tests/oa_validator) when node_modules is missing.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, NoReturn

VALIDATOR_DIR: Final = Path(__file__).resolve().parent.parent / "oa_validator"
SEVERITIES: Final = ("failure", "warning", "notice", "suggestion")
_VALIDATOR_PACKAGE: Final = Path("node_modules") / "@openactive" / "data-model-validator" / "package.json"
_EOF: Final = object()


class ValidatorError(RuntimeError):
    """The validator process could not be installed, started, or answer a request."""


@dataclass(frozen=True, slots=True)
class ValidationResult:
    severity: str
    type: str
    message: str
    path: str

    def __str__(self) -> str:
        return f"{self.severity} {self.path} [{self.type}] {self.message}"


def _lines(stream: IO[str], sink: queue.Queue[object]) -> None:
    try:
        for line in stream:
            sink.put(line)
    except (OSError, ValueError):  # the pipe was closed under us
        pass
    finally:
        sink.put(_EOF)


class OpenActiveValidator:
    """Validates JSON-LD documents with the official validator in one node process. Thread-safe."""

    def __init__(
        self,
        directory: Path = VALIDATOR_DIR,
        *,
        node: str = "node",
        npm: str = "npm",
        start_timeout: float = 120.0,
        request_timeout: float = 60.0,
        extra_seeds: Mapping[str, Path] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``extra_seeds`` maps further URLs the validator may fetch to local JSON files."""
        self._directory = directory
        self._node = node
        self._npm = npm
        self._start_timeout = start_timeout
        self._request_timeout = request_timeout
        self._seed_args = [f"{url}={Path(file).resolve()}" for url, file in (extra_seeds or {}).items()]
        self._env = dict(env or {})
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[object] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._stderr: IO[str] | None = None
        self._info: dict[str, Any] = {}
        self._closed = False
        self.start_seconds: float | None = None

    # ---- public API

    def validate(self, data: Mapping[str, Any], mode: str) -> list[ValidationResult]:
        """Every result (failures, warnings, notices, suggestions) for ``data`` in ``validationMode`` ``mode``."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a JSON object (a Mapping), not {type(data).__name__}")
        with self._lock:
            self._ensure_started()
            if mode not in self._modes():
                raise ValueError(f"unknown validation mode {mode!r}; known: {', '.join(self._modes())}")
            request_id = next(self._ids)
            line = json.dumps({"id": request_id, "mode": mode, "data": data}, separators=(",", ":"))
            response = self._exchange(line, request_id)
        if "error" in response:
            raise ValidatorError(f"the validator could not validate the document: {response['error']}")
        return [
            ValidationResult(
                severity=str(item.get("severity", "")),
                type=str(item.get("type", "")),
                message=str(item.get("message", "")),
                path=str(item.get("path", "")),
            )
            for item in response.get("results", [])
        ]

    def failures(self, data: Mapping[str, Any], mode: str) -> list[ValidationResult]:
        """The results of severity "failure" only (what the OpenActive test suite fails a test on)."""
        return [result for result in self.validate(data, mode) if result.severity == "failure"]

    def assert_valid(self, data: Mapping[str, Any], mode: str) -> None:
        """Raise AssertionError listing every failure (path, type, message) and the document, if any."""
        failures = self.failures(data, mode)
        if not failures:
            return
        lines = [f"{len(failures)} OpenActive validation failure(s) in mode {mode}:"]
        for failure in failures:
            message = failure.message.strip().replace("\n", "\n      ")
            lines.append(f"  - {failure.path} [{failure.type}]\n      {message}")
        lines.append("Document:")
        lines.append(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        raise AssertionError("\n".join(lines))

    @property
    def modes(self) -> tuple[str, ...]:
        """The validation modes of the installed validator (starts the process if needed)."""
        with self._lock:
            self._ensure_started()
            return self._modes()

    @property
    def versions(self) -> dict[str, str]:
        """The versions of @openactive/data-model-validator and @openactive/data-models in use."""
        with self._lock:
            self._ensure_started()
            return {
                "@openactive/data-model-validator": str(self._info.get("validatorVersion", "")),
                "@openactive/data-models": str(self._info.get("dataModelsVersion", "")),
            }

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop()

    def __enter__(self) -> OpenActiveValidator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ---- installation

    def ensure_installed(self) -> None:
        """Run ``npm ci`` in the validator folder unless the validator package is already there."""
        if (self._directory / _VALIDATOR_PACKAGE).is_file():
            return
        npm = shutil.which(self._npm)
        if npm is None:
            raise ValidatorError(f"{self._npm!r} not found: Node.js and npm are needed to install the validator")
        # Another test process may be installing at the same time: take turns.
        with open(self._directory / ".install.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                if (self._directory / _VALIDATOR_PACKAGE).is_file():
                    return
                completed = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"],
                    cwd=self._directory,
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
                if completed.returncode != 0 or not (self._directory / _VALIDATOR_PACKAGE).is_file():
                    raise ValidatorError(
                        f"npm ci in {self._directory} failed (exit {completed.returncode}):\n"
                        f"{completed.stdout}\n{completed.stderr}"
                    )
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    # ---- process management (call with self._lock held)

    def _modes(self) -> tuple[str, ...]:
        return tuple(str(mode) for mode in self._info.get("modes", []))

    def _ensure_started(self) -> None:
        if self._closed:
            raise ValidatorError("the validator has been closed")
        if self._process is not None and self._process.poll() is None:
            return
        self._stop()
        self.ensure_installed()
        node = shutil.which(self._node)
        if node is None:
            raise ValidatorError(f"{self._node!r} not found: Node.js is needed to run the validator")
        started = time.monotonic()
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed in _stop)
        self._process = subprocess.Popen(
            [node, str(self._directory / "validate-server.js"), *self._seed_args],
            cwd=self._directory,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            bufsize=1,
            env={**os.environ, **self._env},
        )
        assert self._process.stdout is not None
        self._lines = queue.Queue()
        self._reader = threading.Thread(
            target=_lines, args=(self._process.stdout, self._lines), name="oa-validator-stdout", daemon=True
        )
        self._reader.start()
        info = self._read_message(self._start_timeout, "start")
        if info.get("ready") is not True:
            self._fail(f"unexpected first line from the validator: {info!r}")
        self._info = info
        self.start_seconds = time.monotonic() - started

    def _exchange(self, line: str, request_id: int) -> dict[str, Any]:
        process = self._process
        assert process is not None
        assert process.stdin is not None
        try:
            process.stdin.write(line + "\n")
            process.stdin.flush()
        except OSError as error:
            self._fail(f"could not send the document to the validator: {error}")
        response = self._read_message(self._request_timeout, "validate")
        if response.get("id") != request_id:
            self._fail(f"the validator answered request {response.get('id')!r} instead of {request_id}: {response!r}")
        return response

    def _read_message(self, timeout: float, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                item = self._lines.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                self._fail(f"no answer from the validator within {timeout:g}s ({what})")
            if item is _EOF:
                self._fail(f"the validator process ended ({what})")
            text = str(item).strip()
            if not text:
                continue
            try:
                message = json.loads(text)
            except json.JSONDecodeError:
                self._fail(f"the validator wrote a line that is not JSON ({what}): {text[:500]!r}")
            if not isinstance(message, dict):
                self._fail(f"the validator wrote a line that is not a JSON object ({what}): {text[:500]!r}")
            return message

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            return self._stderr.read()[-4000:]
        except (OSError, ValueError):
            return ""

    def _fail(self, reason: str) -> NoReturn:
        stderr = self._stderr_tail()
        self._stop()
        raise ValidatorError(reason + (f"\nvalidator stderr:\n{stderr}" if stderr else ""))

    def _stop(self) -> None:
        process, self._process = self._process, None
        reader, self._reader = self._reader, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()  # end of input: the script finishes its queue and exits
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if reader is not None:
                reader.join(timeout=10)  # it sees end of file once the process is gone
            if process.stdout is not None and (reader is None or not reader.is_alive()):
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
