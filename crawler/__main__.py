"""``python -m crawler`` is the ``khabar`` command."""

from crawler.app.cli import main

main()
