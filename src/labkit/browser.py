"""Headless Chromium for tests: open a local page, inspect it, screenshot it, offline.

``Browser`` starts ``chromium --headless`` and drives it with the Chrome DevTools Protocol (CDP)
over ``--remote-debugging-pipe``: Chromium reads commands from file descriptor 3 and writes
replies and events to file descriptor 4, each message one JSON document followed by a NUL byte.
A pipe instead of the usual ``--remote-debugging-port`` websocket means no third-party websocket
package, no TCP port to pick or to leak to other local processes, and no race with the browser
starting up: the pipe exists before Chromium does.

Chromium is a separate process, so ``network_guard`` (which patches Python's sockets inside the
pytest process) cannot stop it. It is locked out of the network by its own flags instead:

* ``--proxy-server`` points at a loopback port this module binds and never listens on, so every
  http(s)/ws(s) connection, for the page and for the browser's own services, is refused at once
  (``net::ERR_PROXY_CONNECTION_FAILED``) and no name is ever resolved for it: with a proxy the
  browser resolves only the proxy, which is an IP literal.
* ``--proxy-bypass-list=<-loopback>`` removes the implicit bypass for localhost/127.0.0.1/[::1],
  so not even a local server is reachable from the page.
* ``--host-resolver-rules=MAP * ~NOTFOUND`` makes every name lookup fail, IP literals included;
  on its own it already stops DNS queries and direct connections (``net::ERR_NAME_NOT_RESOLVED``).
* ``--webrtc-ip-handling-policy=disable_non_proxied_udp`` and
  ``--disable-features=WebRtcHideLocalIpsWithMdns`` keep a page's ``RTCPeerConnection`` from
  sending STUN packets to an IP-literal server or mDNS multicast: UDP, which no proxy carries.
* The ``--disable-*`` flags stop background traffic (component updates, sync, field trials) from
  being attempted at all.

Checked with ``strace -f`` on every Chromium process while a page fetched http(s) names and IP
literals, opened a WebSocket and a WebRTC connection: nothing was sent to a non-loopback address.
What remains are data-less UDP ``connect()`` calls to 8.8.8.8 / 2001:4860:4860::8888, which only
ask the kernel for a route (Chromium's IPv6 reachability and local address probes); no packet.
``HOME`` and the XDG directories point into the temporary directory, so Chromium writes nothing
(crash database, NSS store, dconf cache) into the real home directory.

``file:``, ``data:`` and ``about:`` URLs keep working, which is all a self-contained report needs.

``ensure_chromium()`` finds the browser or installs Debian's ``chromium`` package with apt-get;
``python -m labkit.browser ensure`` does the same from a shell and prints the version.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import math
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = (
    "install Debian's chromium package (as root: "
    "`apt-get update && apt-get install -y --no-install-recommends chromium`) "
    "or set CHROMIUM to the path of a Chromium/Chrome executable"
)
DEFAULT_TIMEOUT = 30.0

# Fixed flags; the user data dir, the dead proxy and the headless mode are added per launch.
BASE_FLAGS = (
    "--no-sandbox",  # required as root, and in containers without user namespaces
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-bypass-list=<-loopback>",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
)
HEADLESS_MODES = ("--headless=new", "--headless")


class BrowserError(RuntimeError):
    """Chromium failed, exited, or did not answer in time (message ends with its stderr)."""


class JavaScriptError(BrowserError):
    """An expression given to ``Browser.evaluate`` threw."""


@dataclass(frozen=True)
class ConsoleMessage:
    source: str  # "console-api", "exception", or a Log.entryAdded source ("network", ...)
    level: str
    text: str


@dataclass(frozen=True)
class FailedRequest:
    url: str
    error: str  # e.g. "net::ERR_PROXY_CONNECTION_FAILED"
    blocked_reason: str | None = None


def _log(message: str) -> None:
    print(f"browser: {message}", file=sys.stderr, flush=True)


def find_chromium() -> str | None:
    """``$CHROMIUM`` if set (a path or a name on PATH), else the first of CANDIDATES on PATH."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return shutil.which(configured)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run_logged(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command``, echo its output to stderr; return the exit code and the output's tail."""
    _log("$ " + " ".join(command))
    lines: list[str] = []
    with subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(f"  {line.rstrip()}", file=sys.stderr, flush=True)
            lines = [*lines[-19:], line.rstrip()]
    return process.returncode, "\n".join(lines)


def ensure_chromium() -> str:
    """Path of Chromium, installing Debian's ``chromium`` package with apt-get if it is missing.

    Raises RuntimeError, saying what to install, when that is impossible.
    """
    configured = os.environ.get("CHROMIUM")
    found = find_chromium()
    if found:
        return found
    if configured:
        raise RuntimeError(
            f"CHROMIUM={configured!r} is not an executable; unset it or {INSTALL_HINT}"
        )
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"Chromium not found and apt-get is not available: {INSTALL_HINT}")
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        raise RuntimeError(
            f"Chromium not found and not root (no sudo) to install it: {INSTALL_HINT}"
        )

    _log("Chromium not found; installing Debian's chromium package (this takes a minute)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = [*prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"] if prefix else ["apt-get"]
    install = [*apt, "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends"]
    started = time.monotonic()
    code, tail = _run_logged([*install, "chromium"], env)
    if code != 0:
        _log("install failed; refreshing the package lists with apt-get update and retrying")
        _run_logged([*apt, "-o", "DPkg::Lock::Timeout=300", "update"], env)
        code, tail = _run_logged([*install, "chromium"], env)
    found = find_chromium()
    if code != 0 or not found:
        raise RuntimeError(
            f"could not install Chromium (apt-get exit code {code}): {INSTALL_HINT}\n"
            f"apt-get output (tail):\n{tail}"
        )
    _log(f"installed {found} in {time.monotonic() - started:.1f}s")
    return found


def chromium_version(executable: str) -> str:
    result = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, timeout=DEFAULT_TIMEOUT
    )
    return (result.stdout or result.stderr).strip()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _high_fd(fd: int) -> int:
    """Move ``fd`` above 10, so that the child's dup2 onto 3 and 4 cannot clobber it."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def _as_url(path_or_url: str | os.PathLike[str]) -> str:
    text = os.fspath(path_or_url)
    if "://" in text or text.startswith(("about:", "data:")):
        return text
    path = Path(text).resolve()
    if not path.exists():
        raise FileNotFoundError(path)
    return path.as_uri()


class Browser:
    """A headless Chromium driven over CDP; use as a context manager.

    ``console_messages`` and ``failed_requests`` collect what the page currently open reported
    (both are reset by ``open``). ``extra_args`` are appended to the flags; Chromium keeps the last
    value of a repeated switch, so e.g. another ``--disable-features`` replaces the one above.
    """

    def __init__(
        self,
        executable: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.executable = executable
        self.timeout = timeout
        self.extra_args = extra_args
        self.version = ""
        self.headless_flag = ""
        self.console_messages: list[ConsoleMessage] = []
        self.failed_requests: list[FailedRequest] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: str | None = None
        self._stderr_path: Path | None = None
        self._dead_proxy: socket.socket | None = None
        self._write_fd = -1
        self._read_fd = -1
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._request_urls: dict[str, str] = {}
        self._session: str | None = None
        self._size = (1280, 800)

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        executable = self.executable or ensure_chromium()
        self._tmp = tempfile.mkdtemp(prefix="browser-")
        self._stderr_path = Path(self._tmp, "chromium-stderr.log")
        # A bound socket that never listens: connections to it are refused, and no other process
        # can take the port while the browser runs.
        self._dead_proxy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._dead_proxy.bind(("127.0.0.1", 0))
        errors: list[str] = []
        try:
            for mode in HEADLESS_MODES:
                try:
                    self._launch(executable, mode)
                    self.version = self._send("Browser.getVersion")["product"]
                    self.headless_flag = mode
                    return
                except BrowserError as exc:
                    errors.append(f"{mode}: {exc}")
                    self._stop_process()
            raise BrowserError("Chromium did not start:\n" + "\n".join(errors))
        except BaseException:
            self.close()
            raise

    def _launch(self, executable: str, headless: str) -> None:
        assert self._tmp is not None and self._stderr_path is not None
        assert self._dead_proxy is not None
        profile = tempfile.mkdtemp(prefix="profile-", dir=self._tmp)
        proxy_port = self._dead_proxy.getsockname()[1]
        command = [
            executable,
            headless,
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            f"--proxy-server=http://127.0.0.1:{proxy_port}",
            *BASE_FLAGS,
            *self.extra_args,
            "about:blank",
        ]
        to_child_read, self._write_fd = (_high_fd(fd) for fd in os.pipe())
        self._read_fd, from_child_write = (_high_fd(fd) for fd in os.pipe())
        self._buffer = b""
        self._events = []
        self._session = None

        def child_fds() -> None:  # runs in the child between fork and exec
            os.dup2(to_child_read, 3)
            os.dup2(from_child_write, 4)

        home = Path(self._tmp, "home")
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local/share"),
        }
        try:
            with open(self._stderr_path, "ab") as stderr:
                self._process = subprocess.Popen(
                    command,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    pass_fds=(3, 4),
                    preexec_fn=child_fds,  # only dup2: safe even with threads around
                    start_new_session=True,  # own process group: one killpg ends every helper
                )
        finally:
            os.close(to_child_read)
            os.close(from_child_write)

    def close(self) -> None:
        """Stop Chromium (politely, then SIGKILL to its process group) and remove the temp dir."""
        self._stop_process()
        if self._dead_proxy is not None:
            self._dead_proxy.close()
            self._dead_proxy = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _stop_process(self) -> None:
        process = self._process
        if process is not None:
            # The main process is never reaped before the killpg: while it is running or a zombie,
            # its pid (our process group id) cannot be reused, so the killpg hits only our helpers.
            if self._exit_status() is None:
                with contextlib.suppress(BrowserError, OSError):
                    self._send("Browser.close", timeout=2)
                deadline = time.monotonic() + 3
                while self._exit_status() is None and time.monotonic() < deadline:
                    time.sleep(0.02)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            self._process = None
        for fd in (self._write_fd, self._read_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._write_fd = self._read_fd = -1

    # -- protocol --------------------------------------------------------------------------------

    def _exit_status(self) -> str | None:
        """How the main process ended, or None while it runs; does not reap it."""
        if self._process is None or self._process.returncode is not None:
            return None if self._process is None else f"code {self._process.returncode}"
        try:
            info = os.waitid(os.P_PID, self._process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return "unknown status"
        if info is None:
            return None
        if info.si_code == os.CLD_EXITED:
            return f"code {info.si_status}"
        return f"signal {info.si_status}"

    def stderr_tail(self, lines: int = 25) -> str:
        """The end of Chromium's stderr, without the D-Bus complaints of a machine without one."""
        if self._stderr_path is None or not self._stderr_path.exists():
            return ""
        text = self._stderr_path.read_text("utf-8", "replace")
        kept = [line for line in text.splitlines() if ":ERROR:dbus/" not in line]
        return "\n".join(kept[-lines:]).strip()

    def _error(self, message: str) -> BrowserError:
        return BrowserError(f"{message}\n--- chromium stderr (tail) ---\n{self.stderr_tail()}")

    def _write(self, payload: bytes, deadline: float) -> None:
        while payload:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._write_fd], [], remaining)[1]:
                raise self._error("timed out writing to Chromium's pipe")
            try:
                written = os.write(self._write_fd, payload)
            except BrokenPipeError:
                raise self._error("Chromium closed its pipe (it exited)") from None
            payload = payload[written:]

    def _read_message(self, deadline: float, timeout: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._read_fd], [], [], remaining)[0]:
                raise self._error(f"timed out after {timeout:g}s waiting for {waiting_for}")
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                time.sleep(0.1)  # give the exit status a moment to appear
                status = self._exit_status() or "still running"
                raise self._error(f"Chromium closed its pipe ({status}) waiting for {waiting_for}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def _send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and return its result; events arriving meanwhile are recorded."""
        if self._write_fd < 0:
            raise BrowserError("the browser is not running")
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._write(json.dumps(message).encode() + b"\0", deadline)
        while True:
            reply = self._read_message(deadline, timeout, f"the reply to {method}")
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    error = reply["error"]
                    raise BrowserError(
                        f"{method} failed: {error.get('message')} {error.get('data', '')}"
                    )
                return reply.get("result", {})
            if "method" in reply:
                self._on_event(reply)

    def command(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a CDP command to the open page (see https://chromedevtools.github.io/devtools-protocol/)."""
        return self._send(method, params, session=self._page_session())

    def _wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method and event.get("sessionId") == self._session:
                    del self._events[index]
                    return event.get("params", {})
            self._on_event(self._read_message(deadline, timeout, f"the event {method}"))

    def _on_event(self, event: dict[str, Any]) -> None:
        if "method" not in event:
            return  # a late reply to a command that timed out
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
            )
            self.console_messages.append(
                ConsoleMessage("console-api", params.get("type", ""), text)
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console_messages.append(ConsoleMessage("exception", "error", text))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            text = entry.get("text", "") + (f" ({entry['url']})" if entry.get("url") else "")
            self.console_messages.append(
                ConsoleMessage(entry.get("source", ""), entry.get("level", ""), text)
            )
        elif method == "Network.requestWillBeSent":
            self._request_urls[params["requestId"]] = params.get("request", {}).get("url", "")
        elif method == "Network.loadingFailed":
            url = self._request_urls.get(params.get("requestId", ""), "")
            self.failed_requests.append(
                FailedRequest(url, params.get("errorText", ""), params.get("blockedReason"))
            )
        self._events.append(event)
        del self._events[:-10_000]  # bounded; open() clears it anyway

    def _page_session(self) -> str:
        if self._session is None:
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Network", "Log"):
                self._send(f"{domain}.enable", session=self._session)
        return self._session

    # -- page API --------------------------------------------------------------------------------

    def open(
        self,
        path_or_url: str | os.PathLike[str],
        width: int = 1280,
        height: int = 800,
        *,
        timeout: float | None = None,
    ) -> None:
        """Load a file path or URL in a ``width`` x ``height`` viewport; wait for its load."""
        url = _as_url(path_or_url)
        session = self._page_session()
        self._size = (width, height)
        self._set_viewport(width, height)
        self.console_messages.clear()
        self.failed_requests.clear()
        self._request_urls.clear()
        self._events.clear()
        result = self._send("Page.navigate", {"url": url}, session=session, timeout=timeout)
        if result.get("errorText"):
            raise self._error(f"could not open {url}: {result['errorText']}")
        self._wait_event("Page.loadEventFired", timeout)

    def _set_viewport(self, width: int, height: int) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self._send("Emulation.setDeviceMetricsOverride", metrics, session=self._page_session())

    def evaluate(self, expression: str, *, timeout: float | None = None) -> Any:
        """Value of a JavaScript expression (promises awaited); JavaScriptError if it throws."""
        result = self._send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self._page_session(),
            timeout=timeout,
        )
        details = result.get("exceptionDetails")
        if details:
            text = details.get("exception", {}).get("description") or details.get("text", "")
            raise JavaScriptError(f"{text} (evaluating {expression!r})")
        return result.get("result", {}).get("value")

    def screenshot(self, path: str | os.PathLike[str], full_page: bool = True) -> tuple[int, int]:
        """Write a PNG of the viewport, or of the whole page; return its (width, height) in px."""
        session = self._page_session()
        width, height = self._size
        if full_page:
            metrics = self._send("Page.getLayoutMetrics", session=session)
            content = metrics.get("cssContentSize") or metrics["contentSize"]
            width = max(width, math.ceil(content["width"]))
            height = max(height, math.ceil(content["height"]))
            self._set_viewport(width, height)
        try:
            result = self._send(
                "Page.captureScreenshot", {"format": "png", "fromSurface": True}, session=session
            )
        finally:
            if full_page:
                self._set_viewport(*self._size)
        data = base64.b64decode(result["data"])
        Path(path).write_bytes(data)
        return png_size(data)

    def pdf(self, path: str | os.PathLike[str]) -> int:
        """Print the page to PDF (print stylesheet, backgrounds on); return the size in bytes."""
        result = self._send(
            "Page.printToPDF", {"printBackground": True}, session=self._page_session()
        )
        data = base64.b64decode(result["data"])
        Path(path).write_bytes(data)
        return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Find or install Chromium for the tests.")
    parser.add_argument("action", choices=["ensure", "find"])
    args = parser.parse_args(argv)
    if args.action == "find":
        found = find_chromium()
        if not found:
            print(f"Chromium not found: {INSTALL_HINT}", file=sys.stderr)
            return 1
    else:
        try:
            found = ensure_chromium()
        except RuntimeError as exc:
            print(f"browser: {exc}", file=sys.stderr)
            return 1
    print(found)
    print(chromium_version(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
