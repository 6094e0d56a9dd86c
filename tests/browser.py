"""A headless Chromium driven through the DevTools protocol, for the HTML report's tests.

No library: Chromium speaks the protocol over two pipes (`--remote-debugging-pipe`: it reads
commands on fd 3 and writes replies and events on fd 4, one JSON message per NUL-terminated
chunk), so the standard library is enough. Every page gets a fresh profile in a temporary folder;
network-facing background features are switched off, so what the page asks for is all there is.

    with Browser.start() as browser:
        page = browser.open(Path("report.html").as_uri() + "#messages.3")
        page.evaluate("document.title")
        page.console_errors, page.requests
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--disable-dev-shm-usage",  # containers often give /dev/shm 64 MB, too little for a renderer
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    """The browser to test with: $TD_CHROMIUM, else the first Chromium on PATH."""
    explicit = os.environ.get("TD_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _high(*fds: int) -> tuple[int, ...]:
    """The same pipe ends on fds above 9: the shell's `3<&r 4>&w` must not overwrite one with the other."""
    out = []
    for fd in fds:
        out.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return tuple(out)


class BrowserError(RuntimeError):
    pass


@dataclass
class Page:
    browser: "Browser"
    session: str
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def send(self, method: str, **params: Any) -> dict:
        return self.browser.send(method, params, session=self.session)

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in reply:
            raise BrowserError(f"page script failed: {reply['exceptionDetails']}")
        return reply.get("result", {}).get("value")

    def screenshot(self, path: Path, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        path.write_bytes(base64.b64decode(data))


class Browser:
    def __init__(self, proc: subprocess.Popen, commands: int, replies: int, profile: str) -> None:
        self.proc = proc
        self.commands = commands
        self.replies = replies
        self.profile = profile
        self.next_id = 0
        self.results: dict[int, dict] = {}
        self.events: list[dict] = []
        self.lock = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @classmethod
    def start(cls, executable: str | None = None) -> "Browser":
        executable = executable or find_chromium()
        if executable is None:
            raise BrowserError("no Chromium found")
        profile = tempfile.mkdtemp(prefix="td-chromium-")
        to_browser_r, to_browser_w = _high(*os.pipe())
        from_browser_r, from_browser_w = _high(*os.pipe())
        # A small Python puts the two pipe ends on the fds Chromium expects, then becomes Chromium
        # (a shell would do, but dash takes only one-digit fds in a redirection).
        placer = "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); os.execv(sys.argv[3], sys.argv[3:])"
        proc = subprocess.Popen(
            [sys.executable, "-c", placer, str(to_browser_r), str(from_browser_w), executable, *FLAGS,
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        browser = cls(proc, to_browser_w, from_browser_r, profile)
        browser.send("Browser.getVersion", {})
        return browser

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self.replies, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.results[-1] = {"error": {"message": "browser closed the pipe"}}
                    self.lock.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self.lock:
                    if "id" in message:
                        self.results[message["id"]] = message
                    else:
                        self.events.append(message)
                    self.lock.notify_all()

    def send(self, method: str, params: dict, session: str | None = None, timeout: float = 30) -> dict:
        with self.lock:
            self.next_id += 1
            ident = self.next_id
        message = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self.lock:
            while ident not in self.results:
                if -1 in self.results:
                    raise BrowserError(f"{method}: the browser went away")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError(f"{method}: no reply in {timeout} s")
                self.lock.wait(left)
            reply = self.results.pop(ident)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_event(self, method: str, session: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for i, event in enumerate(self.events):
                    if event.get("method") == method and event.get("sessionId") == session:
                        return self.events.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError(f"no {method} in {timeout} s")
                self.lock.wait(left)

    def open(self, url: str, width: int = 1280, height: int = 800, settle: float = 0.3) -> Page:
        """A new tab showing `url`, loaded; its console errors and requests are collected."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, url)
        for domain in ("Runtime", "Log", "Network", "Page"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        with self.lock:  # about:blank's own events are not this page's
            self.events = [e for e in self.events if e.get("sessionId") != session]
        page.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", session)
        time.sleep(settle)  # late errors (a script run after load) still count
        self.collect(page)
        return page

    def collect(self, page: Page) -> None:
        with self.lock:
            mine = [e for e in self.events if e.get("sessionId") == page.session]
            self.events = [e for e in self.events if e.get("sessionId") != page.session]
        for event in mine:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                page.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                page.console_errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                page.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                page.requests.append(params.get("request", {}).get("url", ""))

    def close(self) -> None:
        try:
            self.send("Browser.close", {}, timeout=5)
        except BrowserError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.commands, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
