"""Build the installable crmdesk: a PyInstaller folder, then the platform's package.

    pip install -e ".[installer]"
    python installers/build.py          # dist/crmdesk/ and the package below

Windows: with Inno Setup's ISCC.exe on PATH, dist/crmdesk-VERSION-setup.exe.
Linux: dist/crmdesk-VERSION-linux-x86_64.tar.gz with install.sh (to /opt or ~/.local), and
dist/crmdesk_VERSION_ARCH.deb (installers/linux/deb.py) for Debian and Ubuntu.

    python installers/build.py --skip-pyinstaller   # repackage an existing dist/crmdesk
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from crmdesk import __version__

    return __version__


def pyinstaller() -> Path:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
         str(HERE / "crmdesk.spec")],
        check=True,
    )
    return DIST / "crmdesk"


def windows(folder: Path) -> Path | None:
    iscc = shutil.which("ISCC") or shutil.which("iscc")
    if not iscc:
        print("Inno Setup (ISCC.exe) not found: the folder", folder, "is the result")
        return None
    subprocess.run(
        [iscc, f"/DAppVersion={version()}", f"/DSourceDir={folder}", f"/O{DIST}",
         str(HERE / "windows" / "crmdesk.iss")],
        check=True,
    )
    return DIST / f"crmdesk-{version()}-setup.exe"


def linux(folder: Path) -> Path:
    target = DIST / f"crmdesk-{version()}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        tar.add(folder, arcname="crmdesk/app")
        for name in ("install.sh", "crmdesk.desktop"):
            tar.add(HERE / "linux" / name, arcname=f"crmdesk/{name}")
        tar.add(ROOT / "resources" / "icons" / "app.png", arcname="crmdesk/crmdesk.png")
    return target


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = DIST / "crmdesk" if "--skip-pyinstaller" in argv else pyinstaller()
    if sys.platform == "win32":
        print("built:", windows(folder) or folder)
        return 0
    sys.path.insert(0, str(HERE / "linux"))
    from deb import build_deb

    print("built:", linux(folder))
    print("built:", build_deb(folder, version(), DIST))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
