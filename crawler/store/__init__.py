"""Storage: the SQLite file (connection, migrations), articles and revisions, stories, the search index, run rows."""
