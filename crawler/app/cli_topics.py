"""``khabar topics``: measure a topic on labelled examples and list the spellings of its names; neither reads the
database (registered on the ``khabar`` group by ``crawler.app.cli``)."""

from __future__ import annotations

import click

from crawler.app.cli_support import common_options, emit, get_config, json_text
from crawler.text.cleaning import terminal_safe


@click.group()
def topics() -> None:
    """Measure and inspect topic rules without touching the database.

    \b
    Examples:
      khabar topics eval russia-ukraine labelled.jsonl
      khabar topics variants russia-ukraine
    """


@topics.command(name="eval")
@click.argument("topic")
@click.argument("labelled", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON: precision, recall, f1, counts and the errors.")
@common_options
def topics_eval(topic: str, labelled: str, as_json: bool, db_path: str | None, config_path: str | None) -> None:
    """Measure TOPIC on LABELLED, a JSON-lines file of examples you labelled: precision, recall, F1 and every
    error with its reason. Reads no database.

    \b
    One example per line (other keys are ignored):
      {"text": "रूस ने यूक्रेन पर ड्रोन दागे ...", "title": "optional", "label": true}
    Example: khabar topics eval russia-ukraine my-examples.jsonl --json
    """
    from crawler.alerts.evaluation import ExampleError, format_report, measure, read_examples
    from crawler.alerts.recording import get_topic
    from crawler.alerts.rules import compiled

    config = get_config(config_path, db_path)
    try:
        rule = compiled(get_topic(config, topic))
        report = measure(rule, read_examples(labelled))
    except KeyError as error:
        raise click.ClickException(str(error.args[0])) from None
    except ExampleError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json_text(report.as_dict()))
    else:  # the examples are texts people paste from pages: printed without their control characters
        click.echo("\n".join(terminal_safe(line) for line in format_report(report, labelled).splitlines()))


@topics.command(name="variants")
@click.argument("topic")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
def topics_variants(topic: str, as_json: bool, db_path: str | None, config_path: str | None) -> None:
    """List the spellings generated for each name of TOPIC (ट/त, ो/ा, ज्ज/ज/झ, ं/म्, the first vowel, final ा).

    Example: khabar topics variants russia-ukraine
    """
    from crawler.alerts.recording import get_topic
    from crawler.alerts.rules import name_spellings

    try:
        rows = name_spellings(get_topic(get_config(config_path, db_path), topic))
    except KeyError as error:
        raise click.ClickException(str(error.args[0])) from None
    if not as_json:
        rows = [{"list": r["list"], "name": r["name"], "count": len(r["spellings"]),
                 "spellings": " ".join(s["spelling"] for s in r["spellings"][1:])} for r in rows]
    emit(rows, as_json, ["list", "name", "count", "spellings"], f"{topic} has no names.", flexible=("spellings",))
