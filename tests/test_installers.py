"""The installers' own logic: the Debian package's contents and where a frozen program finds
its resources. The full install-run-remove check is installers/linux/test_deb.sh, which
.ci/run runs with CRMDESK_CI_INSTALLERS=1 (it builds with PyInstaller, several minutes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmdesk import config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installers" / "linux"))

from deb import DEPENDS, build_deb  # noqa: E402


def _frozen_layout(base: Path) -> Path:
    """What PyInstaller 6 lays out: the executables beside _internal/ with the data inside."""
    internal = base / "_internal"
    for sub in ("fonts", "icons", "translations"):
        (internal / "resources" / sub).mkdir(parents=True)
    (internal / "crmdesk" / "migrations" / "versions").mkdir(parents=True)
    for exe in ("crmdesk", "crmdesk-cli"):
        (base / exe).write_text("#!/bin/sh\necho frozen\n")
        (base / exe).chmod(0o755)
    return internal


def test_a_frozen_windows_install_finds_its_resources(tmp_path, monkeypatch):
    # C:\Program Files\crmdesk\ for everyone, or a user's folder with a Cyrillic name
    for folder in ("Program Files/crmdesk", "Users/Пользователь/AppData/Local/Programs/crmdesk"):
        internal = _frozen_layout(tmp_path / folder)
        monkeypatch.delenv("CRMDESK_RESOURCES", raising=False)
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
        assert config.resources_dir() == internal / "resources"


def test_the_resources_variable_wins_over_the_frozen_folder(tmp_path, monkeypatch):
    internal = _frozen_layout(tmp_path / "app")
    own = tmp_path / "own"
    (own / "fonts").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    monkeypatch.setenv("CRMDESK_RESOURCES", str(own))
    assert config.resources_dir() == own


@pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="dpkg-deb is not installed")
def test_the_debian_package_holds_the_program_launchers_menu_entry_and_dependencies(tmp_path):
    folder = tmp_path / "crmdesk"
    _frozen_layout(folder)
    deb = build_deb(folder, "9.8.7", tmp_path / "dist")
    assert deb.name.startswith("crmdesk_9.8.7_")
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./opt/crmdesk/crmdesk",
        "./opt/crmdesk/crmdesk-cli",
        "./opt/crmdesk/_internal/resources/fonts/",
        "./usr/bin/crmdesk",
        "./usr/bin/crmdesk-cli",
        "./usr/share/applications/crmdesk.desktop",
        "./usr/share/icons/hicolor/256x256/apps/crmdesk.png",
    ):
        assert path in listing, path
    assert "root/root" in listing  # not the builder's own user
    control = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: crmdesk" in control and "Version: 9.8.7" in control
    depends = control.split("Depends:", 1)[1].splitlines()[0]
    assert {d.strip() for d in depends.split(",")} == set(DEPENDS)
    launcher = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    assert b"exec /opt/crmdesk/crmdesk-cli" in launcher
