"""The wheel that `pip install .` builds carries every package and every resource."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "crmdesk").rglob("__init__.py")
    }
    assert found - listed == set(), "add these packages to pyproject.toml"


def test_wheel_ships_resources_and_migrations(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("crmdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "crmdesk/resources/fonts/DejaVuSans.ttf",
        "crmdesk/resources/fonts/LICENSE-DejaVu.txt",
        "crmdesk/resources/icons/add.svg",
        "crmdesk/resources/icons/LICENSE",
        "crmdesk/migrations/versions/0001_initial_schema.py",
        "crmdesk/ui/shell/mainwindow.py",
    ):
        assert needed in names, needed
    shipped_icons = {n.rsplit("/", 1)[1] for n in names if n.startswith("crmdesk/resources/icons/")}
    tree_icons = {p.name for p in (ROOT / "resources" / "icons").iterdir()}
    assert tree_icons <= shipped_icons
    translations = {p.name for p in (ROOT / "resources" / "translations").glob("*.qm")}
    assert {f"crmdesk/resources/translations/{t}" for t in translations} <= names
