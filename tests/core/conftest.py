"""tests/core: no model. `kb_run` here is the `kb` command in this process (`invoke_kb`):
the same exit codes, stdout and one-line stderr as the installed command, without starting a
Python and importing the project for each call."""

from __future__ import annotations

import pytest

from tests.conftest import invoke_kb


@pytest.fixture
def kb_run():
    return invoke_kb
