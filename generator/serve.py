"""Live preview: build, serve the output on loopback, rebuild on change, reload the open page.

The output on disk stays exactly what `build` writes; the reload script is added to HTML responses
only. A content error keeps the server running and shows in the terminal and in the browser.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator import pipeline
from generator.errors import ContentError

STATUS_PATH = "/__build"
RELOAD_SCRIPT = b"""<script>
(function () {
  var seen = null;
  function show(problems) {
    var box = document.getElementById("__build-problems");
    if (!problems.length) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "__build-problems";
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:50%;overflow:auto;margin:0;" +
        "padding:1em;background:#fff3f3;color:#8b0000;border-top:3px solid #8b0000;z-index:99999;";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed:\\n" + problems.join("\\n");
  }
  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", "/__build");
    request.onload = function () {
      var state = JSON.parse(request.responseText);
      if (seen !== null && state.build !== seen && !state.problems.length) { location.reload(); return; }
      seen = state.build;
      show(state.problems);
    };
    request.onloadend = function () { setTimeout(poll, 700); };
    request.send();
  }
  poll();
})();
</script>
"""


class State:
    """The latest build's number and problems, shared between the watcher and request threads."""

    def __init__(self) -> None:
        self.build = 0
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"build": self.build, "problems": self.problems}, ensure_ascii=False).encode()


def make_handler(root: Path, state: State) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            if self.path == STATUS_PATH:
                self._send(HTTPStatus.OK, "application/json", state.as_json())
                return
            target = resolve(root, self.path)
            if target is None:
                self._not_found()
                return
            if target.suffix == ".html":
                body = target.read_bytes().replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1)
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", body)
                return
            super().do_GET()

        def do_HEAD(self) -> None:  # noqa: N802 - the base class's name
            if resolve(root, self.path) is None:
                self._not_found()
            else:
                super().do_HEAD()

        def _not_found(self) -> None:
            page = root / "404.html"
            body = page.read_bytes() if page.is_file() else b"404 Not Found"
            self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body)

        def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler


def resolve(root: Path, request_path: str) -> Path | None:
    """The file a request names, or None: nothing outside the output folder, no '..' however encoded."""
    path = urlsplit(request_path).path
    for _ in range(3):  # %252e%252e decodes twice; refuse any spelling of '..'
        path = unquote(path)
    parts = path.replace("\\", "/").split("/")
    if any(part == ".." for part in parts) or "\0" in path:
        return None
    relative = posixpath.normpath("/".join(p for p in parts if p and p != "."))
    target = (root / relative) if relative != "." else root
    if target.is_dir():
        target = target / "index.html"
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real != root.resolve() and root.resolve() not in real.parents:
        return None
    return real if real.is_file() else None


def snapshot(site: Path) -> tuple[tuple[str, int, int], ...]:
    """Stamps of every input a build reads."""
    stamps: list[tuple[str, int, int]] = []
    for top in (site / "content", site / "templates", site / "static", site / "site.yaml",
                site / "dictionary.txt"):
        paths = [top] if top.is_file() else [Path(f, n) for f, _, names in os.walk(top) for n in names]
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(stamps))


def rebuild(site: Path, output: Path, state: State, log: Callable[[str], None]) -> None:
    started = time.perf_counter()
    try:
        report = pipeline.build(site, output)
    except ContentError as error:
        with state.lock:
            state.problems = [str(p) for p in error.problems]
        for problem in error.problems:
            log(str(problem))
        log(f"{len(error.problems)} problem(s); still serving the last good build.")
        return
    with state.lock:
        state.build += 1
        state.problems = []
    log(f"Rebuilt in {time.perf_counter() - started:.2f}s: {report.written} files written, "
        f"{report.reused} unchanged.")


def serve(site: Path, output: Path, host: str, port: int, interval: float = 0.5) -> int:
    state = State()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    seen = snapshot(site)  # before building, so an edit made during the first build is not missed
    rebuild(site, output, state, log)
    output.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((host, port), make_handler(output.resolve(), state))
    server.daemon_threads = True
    print(f"Serving {output.resolve()} at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)",
          flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        while True:
            time.sleep(interval)
            current = snapshot(site)
            if current != seen:
                seen = current
                rebuild(site, output, state, log)
    except KeyboardInterrupt:
        return 0
    finally:
        server.shutdown()
