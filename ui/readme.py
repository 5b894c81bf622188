"""The README's `--help` blocks, made from the real commands so that they cannot drift.

A block in README.md is marked by the command it shows:

    <!-- help: kb recommend --help -->
    ```
    ...the command's output...
    ```

`python -m ui.readme` rewrites every marked block; `python -m ui.readme --check` exits 1
when one differs (the tests run the check).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

from ui.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- help: kb (?P<args>[^>]*?) -->\n```\n)(?P<body>.*?)(```)", re.S)
WIDTH = 90  # help text wraps at this width, whatever the terminal says


def help_text(args: str) -> str:
    """What `kb ARGS` prints, as a user at a WIDTH-column terminal would see it."""
    result = CliRunner().invoke(cli, args.split(), prog_name="kb", terminal_width=WIDTH)
    return result.output


def render(readme: str) -> str:
    """The README with every marked block replaced by the real output."""
    return BLOCK.sub(lambda m: m.group(1) + help_text(m.group("args")) + m.group(4), readme)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print("README.md --help blocks are stale: run `make readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
