"""Topic matching on the Hindi search form.

A term is a word or phrase; it matches as a token sequence of the search form, so
spelling variants and inflections (रूस/रुस/रूसी) match while false friends (रास, यूके)
do not. A topic matches when a strong term (``any``) appears, or an anchor term
(``terms``) appears together with a context term (``context``), and no exclusion does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from crawler.config import Topic
from crawler.hindi import search_tokens
from crawler.items import Article


@dataclass
class TopicMatch:
    topic: str
    score: float
    terms: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"terms": self.terms, "context": self.context, "fields": self.fields, "score": self.score}


@lru_cache(maxsize=4096)
def term_tokens(term: str) -> tuple[str, ...]:
    return tuple(search_tokens(term))


def contains(tokens: list[str], term: str) -> bool:
    wanted = term_tokens(term)
    if not wanted:
        return False
    width = len(wanted)
    first = wanted[0]
    return any(tokens[i] == first and tuple(tokens[i:i + width]) == wanted
               for i in range(len(tokens) - width + 1))


def article_fields(article: Article) -> dict[str, list[str]]:
    """Search tokens per field; list fields are joined with a danda so phrases never span items."""
    return {
        "title": search_tokens(article.title),
        "summary": search_tokens(article.summary),
        "highlights": search_tokens(" । ".join(article.highlights)),
        "body": search_tokens(article.body_text),
        "tags": search_tokens(" । ".join(article.tags)),
    }


def match_topic(topic: Topic, fields: dict[str, list[str]]) -> TopicMatch | None:
    found = TopicMatch(topic=topic.id, score=0.0)
    for name in topic.fields:
        tokens = fields.get(name, [])
        if any(contains(tokens, term) for term in topic.exclude):
            return None
        strong = [t for t in topic.any if contains(tokens, t)]
        anchors = [t for t in topic.terms if contains(tokens, t)]
        context = [t for t in topic.context if contains(tokens, t)]
        if strong or anchors:
            found.fields.append(name)
        found.terms += [t for t in strong + anchors if t not in found.terms]
        found.context += [t for t in context if t not in found.context]
    strong_hit = any(t in topic.any for t in found.terms)
    anchor_hit = any(t in topic.terms for t in found.terms) and (found.context or not topic.context)
    if not (strong_hit or anchor_hit):
        return None
    found.score = float(len(found.terms) + len(found.context))
    return found


def match_all(topics: dict[str, Topic], article: Article) -> list[TopicMatch]:
    fields = article_fields(article)
    return [m for topic in topics.values() if (m := match_topic(topic, fields)) is not None]
