"""Measuring a topic on examples someone labelled by hand (``khabar topics eval``): precision, recall, F1, and every
error with its reason. Reads a JSON-lines file and the topic's compiled rule; never touches the database.

One example per line: ``{"text": "...", "title": "...", "label": true}``. ``text`` is the story (paragraphs on
separate lines, the first one is the lead); ``title`` and ``url`` are optional; other keys are ignored, so a file
can carry its sources and notes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.alerts.matcher import ArticleText, TopicMatch, TopicMatcher, evaluate
from crawler.alerts.rules import CompiledTopic

MAX_LINE_BYTES = 1 << 20  # one example at most: a longer line is refused, not read into memory whole
MAX_EXAMPLES = 100_000
MAX_PROBLEMS_SHOWN = 5


class ExampleError(ValueError):
    """A labelled file that cannot be measured: the problems, each with its line number."""


@dataclass(frozen=True)
class Example:
    line: int
    text: str
    label: bool
    title: str = ""
    url: str = ""

    def article(self) -> ArticleText:
        """The example as an article: the title, the first paragraph as the lead, the rest as the body."""
        paragraphs = [p for p in self.text.splitlines() if p.strip()]
        return ArticleText({"title": [self.title], "lead": paragraphs[:1], "body": paragraphs[1:]})


@dataclass
class Report:
    topic: str
    examples: int = 0
    positives: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        fired = self.true_positives + self.false_positives
        return round(self.true_positives / fired, 4) if fired else None

    @property
    def recall(self) -> float | None:
        return round(self.true_positives / self.positives, 4) if self.positives else None

    @property
    def f1(self) -> float | None:
        precision, recall = self.precision, self.recall
        if not precision or not recall:
            return None if precision is None or recall is None else 0.0
        return round(2 * precision * recall / (precision + recall), 4)

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "examples": self.examples, "positives": self.positives, "true_positives": self.true_positives,
                "false_positives": self.false_positives, "false_negatives": self.false_negatives,
                "true_negatives": self.true_negatives, "errors": self.errors}


def read_examples(path: str | Path) -> list[Example]:
    """The labelled examples of a JSON-lines file; ``ExampleError`` names every bad line (the first few)."""
    examples: list[Example] = []
    problems: list[str] = []
    try:
        for number, raw in _lines(Path(path)):
            if not raw.strip():
                continue
            try:
                examples.append(_example(number, raw))
            except ExampleError as error:
                problems.append(str(error))
            if len(examples) > MAX_EXAMPLES:
                raise ExampleError(f"{path}: more than {MAX_EXAMPLES:,} examples; split the file")
    except OSError as error:
        raise ExampleError(f"cannot read {path}: {error.strerror or error}") from None
    if problems:
        shown = "\n".join(f"  {path}:{problem}" for problem in problems[:MAX_PROBLEMS_SHOWN])
        more = f"\n  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise ExampleError(f"{len(problems)} bad line(s) in {path}, nothing measured:\n{shown}{more}")
    if not examples:
        raise ExampleError(f"{path} has no examples (one JSON object per line: "
                           '{"text": "...", "title": "...", "label": true})')
    return examples


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of UTF-8 text (a byte-order mark allowed); a line longer than MAX_LINE_BYTES is refused."""
    with path.open("rb") as stream:
        number = 0
        while True:
            raw = stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise ExampleError(f"{path}:{number}: longer than {MAX_LINE_BYTES // 1024} KB; one example per line")
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ExampleError(f"{path}:{number}: not UTF-8 text") from None
            yield number, text


def _example(number: int, raw: str) -> Example:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ExampleError(f"{number}: not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(item, dict):
        raise ExampleError(f"{number}: a line must be a JSON object such as "
                           '{"text": "...", "label": true}')
    text, label = item.get("text"), item.get("label")
    if not isinstance(text, str) or not text.strip():
        raise ExampleError(f"{number}: \"text\" must be the story's text (a non-empty string)")
    if not isinstance(label, bool):
        raise ExampleError(f"{number}: \"label\" must be true or false, not {json.dumps(label, ensure_ascii=False)}")
    title, url = item.get("title") or "", item.get("url") or ""
    if not isinstance(title, str) or not isinstance(url, str):
        raise ExampleError(f"{number}: \"title\" and \"url\" must be strings when given")
    return Example(line=number, text=text, label=label, title=title, url=url)


def measure(topic: CompiledTopic, examples: list[Example]) -> Report:
    """Run the topic over every example, as a crawl would over a stored article, and count."""
    matcher = TopicMatcher([topic])
    report = Report(topic=topic.id, examples=len(examples))
    for example in examples:
        text = example.article()
        verdict = evaluate(topic, text, example.url, present=matcher.present(text), explain=True)
        fired = verdict.match is not None
        report.positives += example.label
        if fired and example.label:
            report.true_positives += 1
        elif not fired and not example.label:
            report.true_negatives += 1
        else:
            if fired:
                report.false_positives += 1
            else:
                report.false_negatives += 1
            report.errors.append({
                "line": example.line, "title": example.title, "text": example.text, "label": example.label,
                "fired": fired, "reason": fired_because(verdict.match) if verdict.match else verdict.reason,
                **({"matched": verdict.match.as_dict()} if verdict.match else {})})
    return report


def fired_because(match: TopicMatch) -> str:
    """Why an alert fires, in one line: the words as written, where, the score."""
    variants = {v["word"]: v["name"] for v in match.variants}
    words = ", ".join(f"{w} (= {variants[w]})" if w in variants else w for w in match.words[:8])
    more = ", …" if len(match.words) > 8 else ""
    return f"fired on {words}{more} in {', '.join(match.fields)} (score {match.score:g})"


def format_report(report: Report, source: str, width: int = 100) -> str:
    """The report for a terminal: the figures, then each error with its reason."""
    def figure(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [f"{report.topic} on {source}: {report.examples} examples, {report.positives} labelled true",
             f"precision {figure(report.precision)}   recall {figure(report.recall)}   F1 {figure(report.f1)}   "
             f"(true positives {report.true_positives}, false positives {report.false_positives}, "
             f"false negatives {report.false_negatives}, true negatives {report.true_negatives})"]
    for error in report.errors:
        kind = "false positive" if error["fired"] else "false negative"
        story = " ".join(((error["title"] + " | " if error["title"] else "") + error["text"]).split())
        story = story if len(story) <= width else story[:width - 1] + "…"
        lines += ["", f"{kind}, line {error['line']}: {story}", f"  {error['reason']}"]
    return "\n".join(lines)
