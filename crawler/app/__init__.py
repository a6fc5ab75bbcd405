"""The application: the command line, running crawls, schedules, Datasette, queries, reparse, coverage, the demo."""
