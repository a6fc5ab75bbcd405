"""Page furniture: what inside an article container is not the story.

News pages put a lot inside the article container that is not the story: share bars,
"यह भी पढ़ें" / "Also Read" inserts, ads, image captions, "Open in App" prompts, newsletter
boxes, embedded tweets. They are recognised here by structure (tags, class/id tokens and
a few ARIA/data attributes) and, for the inserts that are plain paragraphs, by their words.
Matching on words folds the nukta away, so पढ़ें typed with either encoding matches.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Elements whose content is never article text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "svg", "form", "button", "figure", "figcaption", "aside", "nav",
    "footer", "header", "template", "video", "audio", "picture", "img", "object", "embed", "select", "input",
    "textarea", "ins", "amp-ad", "amp-embed", "amp-iframe", "amp-img", "amp-carousel", "dialog", "canvas", "map",
})
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
    "dd", "blockquote", "table", "thead", "tbody", "tr", "td", "th", "pre", "center", "hr", "br",
})
# Attributes whose values name what an element is for.
_PURPOSE_ATTRIBUTES = ("class", "id", "data-e2e", "data-component", "aria-labelledby", "data-type")

_ANY = r"[\w-]*"  # the rest of a class token: "ad-slot-inarticle", "story-share-bar"
_BOILERPLATE_TOKEN = re.compile(
    "^(?:" + "|".join(part.replace("~", _ANY) for part in (
        "ads?", "ads[-_]?~", "ad\\d+~", "adv", "advt", "advert~", "ad[-_]~", "~[-_]ads?", "~gpt[-_]ad~", "dfp~",
        "taboola~", "outbrain~", "colombia~", "share~", "~[-_]share", "social~", "~[-_]social", "newsletter~",
        "~[-_]newsletter", "subscribe~", "also[-_]?read~", "read[-_]?also~", "read[-_]?more~", "more[-_]?stories",
        "related~", "~[-_]related~", "recommend~", "trending~", "most[-_]?read~", "most[-_]?popular~",
        "top[-_]?stories", "promo~", "sponsor~", "app[-_]?(?:download|promo|banner|install|link)~",
        "open[-_]?in[-_]?app~", "~caption~", "breadcrumbs?", "tags?", "tag[-_]~", "~[-_]tags", "author[-_]?box",
        "byline~", "comments?~", "~[-_]?player~", "embed~", "twitter[-_]tweet", "instagram[-_]media",
        "~[-_]?credit", "sr[-_]only", "visually[-_]hidden", "hidden", "print[-_]only", "disclaimer~", "~[-_]widget",
        "widget~", "highlights?", "story[-_]?highlights?", "summary", "synopsis",
    )) + ")$",
    re.IGNORECASE,
)

# Paragraphs that are page furniture, matched on the nukta-free text (see ``_fold``).
_BOILERPLATE_TEXT = re.compile(
    r"^(?:[-–—•*|>»]\s*)?(?:(?:यह|ये|इसे|इन्हें|यहां|यहाँ)\s+)?भी\s+पढें"
    r"|^(?:[-–—•*|>»]\s*)?(?:also\s+read|read\s+also|read\s+more|must\s+read|और\s+पढें|अधिक\s+पढें|पढें\s*[:\-–—])"
    r"|^(?:open\s+in\s+app|download\s+(?:the\s+)?app|get\s+the\s+app|install\s+(?:the\s+)?app)"
    r"|ऐप\s+(?:में|पर)\s+(?:पढें|खोलें|देखें)|ऐप\s+(?:डाउनलोड|इंस्टॉल|इन्स्टॉल)\s+करें"
    r"|न्यूजलेटर|newsletter|^(?:subscribe|sign\s+up)\b"
    r"|^(?:follow\s+us\b|हमें\s+फॉलो\s+करें)|(?:google\s+news|गूगल\s+न्यूज)\s+पर\s+(?:फॉलो|फालो)"
    r"|^(?:advertisement|विज्ञापन|sponsored|प्रायोजित)$|^(?:share|शेयर(?:\s+करें)?)$"
    r"|^(?:ताजा|लेटेस्ट|latest).{0,60}(?:डाउनलोड\s+करें|फॉलो\s+करें|जुडें|join)"
    r"|संपादित\s+नहीं\s+किया\s+है|सिंडीकेट\s+फीड"  # NDTV's note on agency copy
    r"|^पाठकों\s+की\s+पहली\s+पसंद"  # Zee's sign-off
    r"|^(?:first\s+)?(?:published|updated|last\s+updated|posted|प्रकाशित|अपडेटेड)(?:\s+(?:at|on|date))?\s*:",
    re.IGNORECASE,
)
BOILERPLATE_TEXT_MAX_CHARS = 300

# Words inside class names (split at "-", "_" and camelCase humps: "sourcepoint__social-placeholder",
# "Article_elementPoll__0I_DP") that name furniture wherever they stand in the name.
FURNITURE_WORDS = frozenset({
    "social", "sharing", "placeholder", "consent", "factbox", "infobox", "bulletpoints", "keypoints", "poll",
    "survey", "newsletter", "promo", "promotion", "teaser", "related", "recommended", "recommendations", "card",
    "byline", "author", "caption", "credits", "timestamp", "advertisement", "sponsored",
})
_CLASS_WORD = re.compile(r"[-_]+|(?<=[a-z])(?=[A-Z])")
# A copy of the text kept for text-to-speech or for a script to show later.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)



def _fold(text: str) -> str:
    return text.replace("\u093c", "")


def is_boilerplate_text(text: str) -> bool:
    """Whether a paragraph is an insert (also-read links, app prompts, newsletter boxes, ad labels)."""
    return len(text) <= BOILERPLATE_TEXT_MAX_CHARS and bool(_BOILERPLATE_TEXT.search(_fold(text)))


def is_boilerplate_element(element: Any) -> bool:
    """Whether an lxml element (and so everything inside it) is page furniture."""
    tag = element.tag
    if not isinstance(tag, str) or tag.lower() in SKIP_TAGS:
        return True
    attributes = element.attrib
    if attributes.get("hidden") is not None or attributes.get("aria-hidden") == "true":
        return True
    style = attributes.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    for name in _PURPOSE_ATTRIBUTES:
        value = attributes.get(name)
        if value and _names_furniture(value):
            return True
    return False


@lru_cache(maxsize=8192)
def _names_furniture(value: str) -> bool:
    """Whether a class/id value names furniture; cached, as a page repeats the same class values."""
    return any(_BOILERPLATE_TOKEN.match(token) or _has_furniture_word(token) for token in value.split())


def _has_furniture_word(token: str) -> bool:
    return any(word.lower() in FURNITURE_WORDS for word in _CLASS_WORD.split(token))


# Page parts that hold no part of the story: rails of other stories, comments, footers. Narrower
# than the furniture inside a story (``is_boilerplate_element``): a story's own wrapper often
# carries "tag-..." or "widget" classes, and broken HTML can leave a whole page inside a <nav>.
_RAIL_TAGS = frozenset({"aside", "footer", "nav"})
_RAIL_TOKEN = re.compile(
    r"related|recommend|comment|sidebar|teaser|trending|popular|most-?read|outbrain|taboola|newsletter|footer"
    r"|more-?stories|read-?more|also-?read", re.IGNORECASE)
# An ancestor named like the story's own wrapper ends the search: broken HTML (an <aside> never
# closed) can put the whole story inside a rail.
_STORY_TOKEN = re.compile(r"article|story|content|entry|post|body|main|text", re.IGNORECASE)


def in_rail(element: Any, seen: dict[Any, bool]) -> bool:
    """Whether an ancestor is a rail of other stories, comments or the footer; ``seen`` memoizes ancestors."""
    path = []
    answer = False
    for ancestor in element.iterancestors():
        known = seen.get(ancestor)
        if known is not None:
            answer = known
            break
        path.append(ancestor)
        names = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if ancestor.tag in _RAIL_TAGS or _RAIL_TOKEN.search(names):
            answer = True
            break
        if ancestor.tag == "article" or _STORY_TOKEN.search(names):
            break
    for ancestor in path:
        seen[ancestor] = answer
    return answer
