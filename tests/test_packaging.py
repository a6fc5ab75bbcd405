"""An installed Khabar is the project: a wheel built from this checkout, installed into a fresh virtualenv, runs
`khabar demo` (with the shipped topic, from inside the package) and `khabar coverage` (golden pages from inside the
package) from a folder that is not the checkout. Every library Khabar imports is declared."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from crawler.config import SHIPPED_CONFIG
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

SOURCES = ("crawler", "spiders", "pipelines")
# Import names that differ from their distribution's name.
DISTRIBUTION = {"dateutil": "python-dateutil", "yaml": "pyyaml", "scrapy_redis": "scrapy-redis",
                "backports": "backports.zstd"}
# Standard library modules of a newer Python than the oldest Khabar runs on (imported under a version check).
NEWER_STDLIB = {"compression"}


def test_the_root_khabar_toml_is_the_shipped_default() -> None:
    assert (REPO / "khabar.toml").read_bytes() == SHIPPED_CONFIG.read_bytes()


def test_every_imported_library_is_declared() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(spec) for spec in project["dependencies"]}
    for extra in ("serve", "cluster"):
        declared |= {_name(spec) for spec in project["optional-dependencies"][extra]}
    # The standard library and Khabar's own packages are not libraries.
    local = {*SOURCES, "tests"}
    imported: set[str] = set()
    for folder in SOURCES:
        for file in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module.split(".")[0])
    standard = sys.stdlib_module_names | NEWER_STDLIB
    third_party = {name for name in imported if name not in standard and name not in local}
    missing = {name for name in third_party if DISTRIBUTION.get(name, name).replace("_", "-") not in declared}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def _name(spec: str) -> str:
    for stop in "<>=![; ":
        spec = spec.split(stop)[0]
    return spec.strip().lower().replace("_", "-")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed (no network: --no-index, --no-deps); its dependencies come from
    this project's .venv through a path line, which adds the folder but not its .pth files, so the editable
    install's finder cannot lead back to the checkout."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    source.mkdir()
    for name in SOURCES:
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheels = work / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(wheels), str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(wheels.glob("khabar-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "khabar-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def run_installed(venv: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(folder), "COLUMNS": "200"}
    return subprocess.run([str(venv / "bin" / "khabar"), *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import crawler; print(crawler.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(installed)) and not where.startswith(str(REPO))


def test_installed_demo_uses_the_shipped_topic(installed: Path, tmp_path: Path) -> None:
    assert not (tmp_path / "khabar.toml").exists()  # no config here: the package's default is all there is
    demo = run_installed(installed, tmp_path, "demo", "--progress", "off")
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "articles stored      21 new" in demo.stdout or "new," in demo.stdout
    alerts = run_installed(installed, tmp_path, "alerts", "--json")
    assert alerts.returncode == 0 and '"topic": "russia-ukraine"' in alerts.stdout  # the shipped topic alerted
    found = run_installed(installed, tmp_path, "search", "Zelensky", "--json")
    assert found.returncode == 0 and '"url": "https://www.lokmatnews.in/' in found.stdout  # the shipped name list


def test_installed_coverage_reads_the_shipped_golden_pages(installed: Path, tmp_path: Path) -> None:
    result = run_installed(installed, tmp_path, "coverage")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "lokmat" in result.stdout and "zeenews" in result.stdout and "Traceback" not in result.stderr
