"""The README's `--help` blocks are the commands' real output (regenerate: `make readme`)."""

from __future__ import annotations

from ui import readme


def test_every_help_block_in_the_readme_is_current() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert readme.BLOCK.search(text), "the README shows no --help block"
    assert readme.render(text) == text, "README.md --help blocks are stale: run `make readme`"


def test_a_stale_block_is_seen() -> None:
    stale = "<!-- help: kb --help -->\n```\nUsage: kb old\n```\n"
    assert readme.render(stale) != stale
    assert "Commands:" in readme.render(stale)
