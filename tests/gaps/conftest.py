"""The desktop fixtures of tests/ui (the real main window offscreen, on SQLite and
PostgreSQL through ``day``)."""

from tests.ui.conftest import (  # noqa: F401
    answer_yes,
    day,
    demo_engine,
    demo_template,
    home,
    make_shell,
    shell,
    type_text,
    unexpected_errors_fail,
    warnings,
)
