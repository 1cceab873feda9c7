"""The headless-Chromium harness: CDP over a pipe, chart checks, screenshots, no network.

Chromium is installed on demand (see ``labkit.browser.ensure_chromium``); when that is impossible
these tests fail with the reason rather than being skipped.
"""

from __future__ import annotations

import os
import socket
import struct
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from labkit.browser import Browser, JavaScriptError, ensure_chromium

WIDTH, HEIGHT = 480, 320  # small viewport: the pure-Python PNG decoding below stays fast
RED, BLUE, WHITE = (214, 39, 40), (31, 119, 180), (255, 255, 255)

CHART_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>charts</title>
<style>body { margin: 0; background: #fff; } figure { margin: 0; }</style>
</head>
<body>
<figure class="chart" id="bars">
  <svg width="300" height="100" viewBox="0 0 300 100">
    <rect class="mark" x="10" y="20" width="120" height="60" fill="rgb(214,39,40)"/>
    <rect class="mark" x="150" y="40" width="40" height="40" fill="rgb(214,39,40)"/>
    <rect class="mark" x="200" y="40" width="0" height="40" fill="rgb(214,39,40)"/>
  </svg>
</figure>
<div style="height: 700px"></div>
<figure class="chart" id="below-the-fold">
  <svg width="100" height="50">
    <rect class="mark" width="50" height="20" fill="rgb(31,119,180)"/>
  </svg>
</figure>
<figure class="chart" id="empty"><svg width="100" height="50"></svg></figure>
</body>
</html>
"""

MARKS_PER_CHART = """
Array.from(document.querySelectorAll('figure.chart')).map((figure) => [
  figure.id,
  Array.from(figure.querySelectorAll('.mark')).filter((mark) => {
    const box = mark.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  }).length,
])
"""


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, pixels as RGB tuples) of an 8-bit RGB/RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 6), header
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                upper_left = previous[i - channels] if i >= channels else 0
                guess = left + up - upper_left
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - upper_left)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                line[i] = (line[i] + best) & 0xFF
        pixels.extend(tuple(line[i : i + 3]) for i in range(0, stride, channels))
        previous = line
    return width, height, pixels


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as started:
        yield started


@pytest.fixture(scope="module")
def chart_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("pages") / "charts.html"
    page.write_text(CHART_PAGE, encoding="utf-8")
    return page


def test_chromium_is_available() -> None:
    # Installs Debian's chromium when missing; a RuntimeError saying what to install fails here.
    assert Path(ensure_chromium()).exists()


def test_ensure_chromium_says_what_to_install_when_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apt_get = tmp_path / "apt-get"  # the only program on PATH, and it always fails
    apt_get.write_text("#!/bin/sh\necho 'E: Unable to locate package chromium'\nexit 100\n")
    apt_get.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHROMIUM", raising=False)

    with pytest.raises(RuntimeError, match="apt-get install -y --no-install-recommends chromium"):
        ensure_chromium()

    monkeypatch.setenv("CHROMIUM", str(tmp_path / "missing-chrome"))
    with pytest.raises(RuntimeError, match="is not an executable"):
        ensure_chromium()


def test_browser_reports_its_version(browser: Browser) -> None:
    assert browser.version.startswith(("Chrome/", "HeadlessChrome/")), browser.version
    assert browser.evaluate("navigator.userAgent").count("Chrome/") == 1


def test_counts_rendered_marks_per_chart(browser: Browser, chart_page: Path) -> None:
    browser.open(chart_page, WIDTH, HEIGHT)

    marks = dict(browser.evaluate(MARKS_PER_CHART))

    assert marks == {"bars": 2, "below-the-fold": 1, "empty": 0}
    assert browser.console_messages == []
    assert browser.failed_requests == []


def test_full_page_screenshot_is_a_png_with_the_charts(
    browser: Browser, chart_page: Path, tmp_path: Path
) -> None:
    browser.open(chart_page, WIDTH, HEIGHT)
    page_height = browser.evaluate("document.documentElement.scrollHeight")

    size = browser.screenshot(tmp_path / "page.png")

    data = (tmp_path / "page.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == size == (WIDTH, page_height)
    assert page_height > HEIGHT  # the second chart is below the fold, yet captured:
    width, height, pixels = decode_png(data)
    assert (width, height) == size and len(pixels) == width * height
    colours = Counter(pixels)
    assert colours[RED] == 120 * 60 + 40 * 40  # the two drawn bars, pixel for pixel
    assert colours[BLUE] == 50 * 20
    assert colours[WHITE] == width * height - colours[RED] - colours[BLUE]
    # The viewport is restored after a full-page capture.
    assert browser.evaluate("[innerWidth, innerHeight]") == [WIDTH, HEIGHT]
    assert browser.screenshot(tmp_path / "viewport.png", full_page=False) == (WIDTH, HEIGHT)


def test_prints_to_pdf(browser: Browser, chart_page: Path, tmp_path: Path) -> None:
    browser.open(chart_page, WIDTH, HEIGHT)

    assert browser.pdf(tmp_path / "page.pdf") > 1000
    assert (tmp_path / "page.pdf").read_bytes().startswith(b"%PDF-")


def test_external_requests_fail_at_once_and_nothing_leaves(
    browser: Browser, tmp_path: Path
) -> None:
    # A listening loopback server: even loopback must not be reachable from the page, which
    # shows that every request goes to the dead proxy rather than anywhere real.
    canary = socket.create_server(("127.0.0.1", 0))
    canary.settimeout(0.2)
    port = canary.getsockname()[1]
    page = tmp_path / "external.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img id="remote" src="http://example.com/x.png">'
        f'<img id="local" src="http://127.0.0.1:{port}/canary.png">'
        '<img id="ip" src="https://93.184.216.34/y.png"></body></html>',
        encoding="utf-8",
    )
    started = time.monotonic()
    with canary:
        browser.open(page, WIDTH, HEIGHT, timeout=10)  # a reached canary would hang the load
        elapsed = time.monotonic() - started
        natural_widths = browser.evaluate("[...document.images].map((img) => img.naturalWidth)")
        with pytest.raises(TimeoutError):
            canary.accept()

    assert natural_widths == [0, 0, 0]
    failed = {request.url: request.error for request in browser.failed_requests}
    assert set(failed) == {
        "http://example.com/x.png",
        f"http://127.0.0.1:{port}/canary.png",
        "https://93.184.216.34/y.png",
    }
    assert set(failed.values()) <= {
        "net::ERR_PROXY_CONNECTION_FAILED",
        "net::ERR_NAME_NOT_RESOLVED",
    }
    assert elapsed < 5, f"blocked requests should fail immediately, took {elapsed:.1f}s"
    assert any("example.com/x.png" in message.text for message in browser.console_messages)


def test_javascript_errors_raise(browser: Browser) -> None:
    browser.open("about:blank")

    with pytest.raises(JavaScriptError, match="ReferenceError: missingThing is not defined"):
        browser.evaluate("missingThing.value")
    with pytest.raises(JavaScriptError, match="kaputt"):
        browser.evaluate("Promise.reject(new Error('kaputt'))")
    assert browser.evaluate("6 * 7") == 42  # the page is still usable afterwards


def test_chromium_is_killed_and_its_files_removed_on_errors() -> None:
    with pytest.raises(ValueError, match="inside the block"), Browser() as browser:
        assert browser._process is not None and browser._tmp is not None
        pid, tmp = browser._process.pid, browser._tmp
        raise ValueError("inside the block")

    assert not Path(f"/proc/{pid}").exists()  # killed and reaped
    assert not os.path.exists(tmp)
