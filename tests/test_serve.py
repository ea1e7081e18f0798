"""`build.py serve`: loopback only, nothing outside the output, rebuilds on change, survives errors."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.serve import resolve
from tests.conftest import ROOT, article, write_site


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    site = write_site(tmp_path / "site", {"content/2022/12/10/a.md": article("初版标题")})
    (tmp_path / "secret.txt").write_text("secret")
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--site", str(site), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line
    yield site, int(match.group(1))
    process.terminate()
    process.wait(timeout=10)


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def wait_for(port: int, condition: str, timeout: float = 20) -> dict[str, object]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = json.loads(get(port, "/__build")[1])
        if condition == "rebuilt" and state["build"] > 1 or condition == "failed" and state["problems"]:
            return state
        time.sleep(0.2)
    raise AssertionError(f"server never {condition}")


def test_serves_the_site_with_the_reload_script(server: tuple[Path, int]) -> None:
    site, port = server
    status, body = get(port, "/")
    assert status == 200 and "初版标题" in body.decode()
    assert b"/__build" in body
    assert b"/__build" not in (site / "public/index.html").read_bytes()
    assert get(port, "/static/style.css")[0] == 200


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%252e%252e/secret.txt",
    "/static/../../secret.txt", "/..\\secret.txt", "/nope.html",
])
def test_nothing_outside_the_output_folder(server: tuple[Path, int], path: str) -> None:
    status, body = get(server[1], path)
    assert status == 404 and b"secret" not in body


def test_rebuilds_on_change_and_keeps_running_on_errors(server: tuple[Path, int]) -> None:
    site, port = server
    page = site / "content/2022/12/10/a.md"
    page.write_text(article("第二版标题"))
    wait_for(port, "rebuilt")
    assert "第二版标题" in get(port, "/")[1].decode()
    page.write_text(article("坏了", section="不存在的栏目"))
    state = wait_for(port, "failed")
    assert any("unknown section" in str(p) and str(page) in str(p) for p in state["problems"])  # type: ignore[attr-defined]
    status, body = get(port, "/")
    assert status == 200 and "第二版标题" in body.decode()


def test_resolve_refuses_escapes(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out/index.html").write_text("x")
    (tmp_path / "out/link.html").symlink_to(tmp_path / "secret.html")
    (tmp_path / "secret.html").write_text("s")
    assert resolve(tmp_path / "out", "/") == (tmp_path / "out/index.html").resolve()
    assert resolve(tmp_path / "out", "/link.html") is None
    assert resolve(tmp_path / "out", "/%2E%2E/secret.html") is None


def test_the_open_browser_page_reloads_and_shows_errors(server: tuple[Path, int]) -> None:
    from playwright.sync_api import sync_playwright

    site, port = server
    page_file = site / "content/2022/12/10/a.md"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/2022/12/10/a.html")
        assert page.locator("h1").inner_text() == "初版标题"
        page.wait_for_timeout(800)  # let the page learn the current build
        page_file.write_text(article("浏览器里的新标题"))
        page.wait_for_function("document.querySelector('h1').textContent === '浏览器里的新标题'", timeout=20000)
        page_file.write_text(article("<b>坏</b>", section="不存在的栏目"))
        problems = page.locator("#__build-problems")
        problems.wait_for(timeout=20000)
        assert "unknown section" in problems.inner_text()
        assert page.locator("#__build-problems b").count() == 0
        browser.close()
