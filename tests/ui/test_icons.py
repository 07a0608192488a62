"""Every icon name the UI uses loads a real picture from the bundled set."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtGui import QIcon  # noqa: E402

from crmdesk.ui import icons  # noqa: E402


def _painted(qicon: QIcon, size: int) -> bool:
    image = qicon.pixmap(size, size).toImage()
    return any(
        image.pixelColor(x, y).alpha() > 0
        for x in range(image.width())
        for y in range(image.height())
    )


@pytest.mark.parametrize("name", icons.NAMES)
def test_every_name_loads_a_picture(qapp, name):
    qicon = icons.icon(name)
    assert not qicon.isNull()
    assert _painted(qicon, 16), f"{name} draws nothing at 16 px"


def test_icons_are_cached(qapp):
    assert icons.icon("add") is icons.icon("add")


def test_a_missing_name_gives_an_empty_icon_and_a_warning(qapp, caplog):
    assert icons.icon("no_such_icon").isNull()
    assert "no_such_icon" in caplog.text


def test_application_icon_files_for_installers():
    assert icons.app_icon_path(".png").is_file()
    assert icons.app_icon_path(".ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_every_bundled_picture_has_a_name():
    files = {p.stem for p in icons.ICONS_DIR.glob("*.svg")}
    assert files == set(icons.NAMES)
