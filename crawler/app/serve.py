"""``khabar serve``: browse and search the database in Datasette (the optional ``serve`` extra).

What Datasette shows of a Khabar file comes from Khabar's plugin (crawler/app/datasette_plugin, registered
through the ``datasette`` entry point, so plain ``datasette data/khabar.db`` is the same): descriptions,
facets, canned queries and charts (crawler/app/serve_metadata.py), the Hindi-safe search box, IST times and
readable article pages. This command checks the file, brings it up to date and serves it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crawler.store.connection import connect

MISSING = ("khabar serve needs Datasette, an optional extra: pip install 'khabar[serve]' "
           "(or pip install datasette)")


class ServeError(Exception):
    """Datasette is not installed, or the database cannot be served."""


def build_datasette(db_path: str | os.PathLike[str]) -> Any:
    """A Datasette instance over ``db_path`` with Khabar's metadata and SQL functions."""
    try:
        from datasette.app import Datasette
        from datasette.plugins import pm
    except ImportError:
        raise ServeError(MISSING) from None
    from crawler.app import datasette_plugin

    if not Path(db_path).is_file():
        raise ServeError(f"no database at {db_path}: run `khabar crawl SPIDER` or `khabar demo` first")
    connect(db_path).close()  # bring an older file up to date (the views and columns the queries use)
    if pm.get_plugin("khabar") is None:  # installed without its entry point (a source checkout on sys.path)
        pm.register(datasette_plugin, name="khabar")
    # Titles, canned queries, hidden tables and the charts come from the plugin, as with plain `datasette FILE`.
    return Datasette([str(db_path)], settings={"suggest_facets": False, "sql_time_limit_ms": 5000})


def database_url(db_path: str | os.PathLike[str], host: str, port: int) -> str:
    return f"http://{host}:{port}/{Path(db_path).stem}"


def serve(db_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until Ctrl-C."""
    datasette = build_datasette(db_path)
    import uvicorn

    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
