"""The desktop fixtures of tests/ui (a demo base, the real main window offscreen)."""

from tests.ui.conftest import (  # noqa: F401
    answer_yes,
    demo_engine,
    demo_template,
    home,
    make_shell,
    shell,
    unexpected_errors_fail,
    warnings,
)
