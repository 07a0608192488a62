"""The Debian package: the PyInstaller folder in /opt/crmdesk, `crmdesk` and `crmdesk-cli` on
PATH, a menu entry and an icon; Qt's system libraries as dependencies.

Removing the package removes exactly these files (dpkg knows them all); a user's database,
backups and settings live in ~/.local/share/crmdesk and ~/.config and stay where they are.
Built with dpkg-deb --root-owner-group, so no fakeroot is needed.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# what the frozen Qt (xcb platform, fonts, OpenGL) loads from the system; the rest is inside
DEPENDS = [
    "libc6",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-image0",
    "fonts-dejavu-core",
]

LAUNCHER = """#!/bin/sh
exec /opt/crmdesk/{name} "$@"
"""


def deb_arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def _size_kib(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) // 1024


def build_deb(folder: Path, version: str, dist: Path) -> Path:
    """dist/crmdesk_VERSION_ARCH.deb from the PyInstaller folder."""
    arch = deb_arch()
    target = dist / f"crmdesk_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pkg"
        opt = root / "opt" / "crmdesk"
        shutil.copytree(folder, opt, symlinks=True)
        usr_bin = root / "usr" / "bin"
        usr_bin.mkdir(parents=True)
        for name in ("crmdesk", "crmdesk-cli"):
            launcher = usr_bin / name
            launcher.write_text(LAUNCHER.format(name=name))
            launcher.chmod(0o755)
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        shutil.copy(HERE / "crmdesk.desktop", apps / "crmdesk.desktop")
        icons = root / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps"
        icons.mkdir(parents=True)
        shutil.copy(ROOT / "resources" / "icons" / "app.png", icons / "crmdesk.png")
        debian = root / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(
            "Package: crmdesk\n"
            f"Version: {version}\n"
            "Section: misc\n"
            "Priority: optional\n"
            f"Architecture: {arch}\n"
            "Maintainer: crmdesk <support@crmdesk.invalid>\n"
            f"Installed-Size: {_size_kib(root)}\n"
            f"Depends: {', '.join(DEPENDS)}\n"
            "Description: desktop CRM for small and mid-size businesses\n"
            " Clients, sales documents, deals, tasks, print forms and reports over one\n"
            " database shared by the office (SQLite file or PostgreSQL), in the style of\n"
            " 1C:Enterprise.\n"
        )
        for path in root.rglob("*"):  # dpkg wants sane modes whatever the umask was
            if path.is_dir():
                path.chmod(0o755)
            elif not path.is_symlink():
                path.chmod(0o755 if os.access(path, os.X_OK) else 0o644)
        dist.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return target
