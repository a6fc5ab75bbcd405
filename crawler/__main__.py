"""``python -m crawler`` is the ``khabar`` command."""

from crawler.cli import main

main()
