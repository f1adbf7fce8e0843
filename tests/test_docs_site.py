"""The documentation site builds with warnings as errors, covers every job, worksheet function
and public object, and its pages, as a browser renders them, have no broken link or image.

The site is built once (``mkdocs build --strict``, the ``docs`` extra) into a temporary folder.
The browser test serves it on 127.0.0.1 with Python's ``http.server``, has headless Chromium
(Debian's ``chromium`` package; ``.ci/run`` installs it) render the home page and an API page,
and checks every local ``href`` and ``src`` of the rendered DOM: the file is served, and a
``#fragment`` names an element of the page it points to.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import xlfidx

ROOT = Path(__file__).resolve().parents[1]
JOB_PAGES = ["getting-started", "dlv", "delivery", "roll", "fedpath", "sofr", "backtest", "excel",
             "functions", "books", "bloomberg", "cli", "conventions"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None:
        pytest.skip("the docs extra is not installed (pip install -e '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"
    return out


def test_the_site_builds_with_warnings_as_errors_and_has_every_job(site):
    assert (site / "index.html").is_file()
    for name in JOB_PAGES:
        assert (site / name / "index.html").is_file(), name


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, value)

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" and value:
                self.ids.add(value)
            if value and ((key == "href" and tag in ("a", "link")) or (key == "src" and tag in ("img", "script"))):
                self.links.append((key, value))


def _parse(text: str) -> _Ids:
    p = _Ids()
    p.feed(text)
    return p


@functools.cache
def _api_ids(site: Path) -> set[str]:
    ids: set[str] = set()
    for page in (site / "api").rglob("index.html"):
        ids |= _parse(page.read_text(encoding="utf-8")).ids
    return ids


def test_the_api_reference_documents_every_public_object(site):
    ids = _api_ids(site)
    missing = []
    for name in xlfidx.__all__:
        module = xlfidx._EXPORTS[name]
        if module.startswith("excel."):  # xlfidx.main: the add-in's button, not an API
            continue
        if f"xlfidx.{module}.{name}" not in ids:
            missing.append(f"xlfidx.{module}.{name}")
    assert missing == []


def test_every_worksheet_function_is_documented(site):
    from xlfidx.excel import udfs

    names = [n for n in udfs.__all__ if n.isupper() and n not in ("UDFS", "COLUMN_FORMS")]
    page = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    ids = _api_ids(site)
    assert [n for n in names if f"`{n}(" not in page] == []
    assert [n for n in names if f"xlfidx.excel.udfs.{n}" not in ids] == []


# --- the rendered pages in a browser ------------------------------------------------------------

def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _render(url: str, profile: Path) -> str:
    argv = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
            "--dump-dom", url]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0 and "<html" in run.stdout, run.stderr[-2000:]
    return run.stdout


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (127.0.0.1 only)
        assert response.status == 200
        return response.read()


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed "
                    "(Debian: apt-get install chromium; .ci/run installs it)")
@pytest.mark.parametrize("page", ["", "api/basis/"])
def test_rendered_page_has_no_broken_link_or_image(served, page, tmp_path):
    url = urllib.parse.urljoin(served, page)
    dom = _parse(_render(url, tmp_path / "profile"))
    assert dom.links, "the rendered page has no links at all"
    checked, images = 0, 0
    for attribute, value in dom.links:
        target = urllib.parse.urljoin(url, value)
        if not target.startswith(served):
            continue  # another site: not ours to check offline
        path, _, fragment = urllib.parse.urldefrag(target)[0], None, urllib.parse.urldefrag(target)[1]
        try:
            body = _get(path)
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{page or 'home'}: {attribute}={value!r} is broken ({exc.code})")
        if attribute == "src" and value.lower().endswith(".png"):
            assert body[:8] == b"\x89PNG\r\n\x1a\n", f"{value} is not a PNG"
            images += 1
        if fragment and path.endswith("/"):
            ids = _parse(body.decode("utf-8")).ids
            assert fragment in ids, f"{page or 'home'}: {value!r} points to no element"
        checked += 1
    assert checked > 10
    if page == "":
        assert images >= 1, "the home page shows its picture"
