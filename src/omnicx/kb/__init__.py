"""Self-service: help-center articles, ranked search, suggestions, and macros.

Articles are data (``Article``), loaded from files or the host's CMS with
``load_articles``; a ``KnowledgeBase`` indexes them incrementally and ranks
them with BM25F over title and body, stemmed per language; ``suggest`` gives
an agent (or a bot) the best articles for a message with the passage that
answers it. A ``Macro`` is a canned reply with placeholders, rendered
safely (``render_macro``), that ``Desk.apply_macro`` sends with its status,
tag and field changes as one agent action. Stemming is snowballstemmer's; the
``omnicx[kb]`` extra adds PyStemmer, its C speed-up.
"""

from omnicx.kb._article import Article, Audience, BodyFormat, parse_article, parse_articles
from omnicx.kb._index import Hit, KnowledgeBase, Suggestion
from omnicx.kb._loader import load_articles, parse_markdown_article
from omnicx.kb._macro import (
    NAMESPACES,
    Macro,
    Rendered,
    parse_macros,
    render_macro,
    render_template,
    template_problems,
)
from omnicx.kb._text import plain_text

__all__ = [
    "NAMESPACES",
    "Article",
    "Audience",
    "BodyFormat",
    "Hit",
    "KnowledgeBase",
    "Macro",
    "Rendered",
    "Suggestion",
    "load_articles",
    "parse_article",
    "parse_articles",
    "parse_macros",
    "parse_markdown_article",
    "plain_text",
    "render_macro",
    "render_template",
    "template_problems",
]
