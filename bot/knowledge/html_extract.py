"""The main content of a municipal web page, for the page catalogue (import-site, issue 23 §1).

A municipality's page is its own text wrapped in the site's furniture: top navigation, a
cookie banner, breadcrumbs, a "Se også" box of related links, a footer with the address.
Only the page's own text belongs in the catalogue, since the page search reads it: "Vi bruger
cookies" on every page would make every page match a question about cookies.

The rules, in order (selectolax's Lexbor parser; nothing heavier is needed for sites built
with landmarks, as municipal sites are, for accessibility):

1. the content root is ``<main>`` (or ``role=main``, ``<article>``, ``#content``, …; the body
   when there is none);
2. inside it, navigation, asides, footers, forms, dialogs and scripts are dropped, and so is
   any element whose role, class, id or aria-label says breadcrumb, cookie/consent, related
   links, share, menu, print, feedback or screen-reader-only text (unless it holds the page's
   ``<h1>``, as a hero banner may);
3. a box whose heading is "Se også", "Relaterede links", "Læs også", "Genveje", … and that is
   mostly links is dropped;
4. accordions stay: ``<details>``/``<summary>`` and the div-based ones (a button with
   ``aria-expanded`` and a panel that may be ``hidden`` until opened) are main text, their
   triggers are headings.

Trafilatura would guess the same from text density, but it cannot be installed next to Rasa's
pins (its htmldate needs dateparser >= 1.4; Rasa 3.6 pins 1.2). Nothing is parsed at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.knowledge.html_boilerplate import (
    class_parts,
    clean,
    drop_see_also_boxes,
    joined_parts,
    prune,
)

TEXT_LIMIT = 4000  # characters of main text kept per page
DESCRIPTION_LIMIT = 300
HEADING_LIMIT = 40
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP or Office file"),
    (b"\xd0\xcf\x11\xe0", "an old Office file"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "gzip data"),
)

_ROOTS = (
    "main",
    "[role=main]",
    "article",
    "#main-content",
    "#maincontent",
    "#main",
    "#content",
    ".main-content",
)
_BLOCKS = frozenset(
    "p div section article main header h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table thead tbody "
    "tfoot tr blockquote details summary pre figure figcaption address hr caption fieldset "
    "legend".split()
)
_ACCORDION_TRIGGER = re.compile(
    r"(accordion|collapse|collapsible|expand|toggle|faq|foldout|fold-out)"
    r".*(title|header|heading|trigger|button|btn|toggle|question|label)",
    re.I,
)
_LEAD_PART = re.compile(
    r"^(lead|intro|introduction|manchet|teaser|ingress|summary|abstract)$", re.I
)
_BUTTON_PART = re.compile(
    r"^(btn|button|knap|cta|calltoaction|selvbetjening|selfservice|action|actionlink)$", re.I
)
_SELF_SERVICE_TITLE = re.compile(
    r"^(ansøg|ansøgning|søg om|selvbetjening|bestil|anmeld|tilmeld|book|køb|apply|order)\b"
    r"|\bselvbetjening\b|\bself-service\b",
    re.I,
)
_ACTION = re.compile(
    r"\b(ansøg|søg|bestil|anmeld|tilmeld|book|køb|forny|selvbetjening|log ind|gå til"
    r"|start|apply|order|renew)",
    re.I,
)


@dataclass(frozen=True)
class ExtractedPage:
    """What the catalogue keeps of a page."""

    title: str
    description: str  # the meta description, else the lead paragraph ('' if neither)
    headings: tuple[str, ...]  # h2-h4 and accordion headings of the main content
    text: str  # the main text, blocks on their own lines, at most TEXT_LIMIT characters
    language: str  # 'da' or 'en' (from <html lang>; Danish unless it says English)
    breadcrumbs: tuple[str, ...]
    self_service: bool  # mainly a way into a self-service solution


def not_html_reason(body: bytes, content_type: str) -> str | None:
    """Why ``body`` (served as ``content_type``, bare type in lower case) is not an HTML page,
    or None if it is one. A PDF served as text/html is caught by its first bytes."""
    if content_type and content_type not in HTML_TYPES:
        return f"not HTML (served as {content_type})"
    head = body[:1024]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"not HTML (looks like {name})"
    if b"\x00" in head:
        return "not HTML (binary data)"
    if b"<" not in body[:8192]:
        return "not HTML (no markup)"
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(body: bytes, content_type_header: str = "") -> str:
    """The page as text: the charset the server names, else the one the page names in a
    <meta>, else UTF-8, else Windows-1252 (older Danish sites)."""
    charsets: list[str] = []
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type_header, re.I)
    if match:
        charsets.append(match.group(1))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        charsets.append(meta.group(1).decode("ascii", errors="ignore"))
    for charset in [*charsets, "utf-8"]:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def _root(tree: Any) -> Any:
    for selector in _ROOTS:
        node = tree.css_first(selector)
        if node is not None and clean(node.text(deep=True)):
            return node
    return tree.body or tree.root


def _lines(root: Any) -> list[str]:
    """The text of ``root``, one line per block (paragraph, heading, list item, …)."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = clean("".join(buffer))
        buffer.clear()
        if line and (not lines or lines[-1] != line):
            lines.append(line)

    def walk(node: Any) -> None:
        child = node.child
        while child is not None:
            if child.is_text_node:
                buffer.append(child.text_content or "")
            elif child.is_element_node:
                tag = child.tag
                if tag == "br":
                    flush()
                elif tag in _BLOCKS:
                    flush()
                    walk(child)
                    flush()
                elif tag in ("td", "th"):
                    buffer.append(" ")
                    walk(child)
                    buffer.append(" ")
                else:
                    walk(child)
            child = child.next

    walk(root)
    flush()
    return lines


def _trim(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a line, sentence or word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for boundary in ("\n", ". ", " "):
        at = cut.rfind(boundary)
        if at > limit * 0.6:
            cut = cut[: at + (1 if boundary == ". " else 0)]
            break
    return cut.rstrip() + "…"


def _headings(root: Any) -> tuple[str, ...]:
    found: list[str] = []
    for node in root.traverse(include_text=False):
        tag = node.tag
        attrs = node.attributes
        if not (
            tag in ("h2", "h3", "h4", "summary")
            or (tag == "button" and "aria-expanded" in attrs)
            or any(_ACCORDION_TRIGGER.search(p) for p in [attrs.get("class") or ""])
        ):
            continue
        text = clean(node.text(deep=True))
        if text and len(text) <= 200 and text not in found:
            found.append(text)
        if len(found) >= HEADING_LIMIT:
            break
    return tuple(found)


def _lead(root: Any, title: str) -> str:
    for node in root.traverse(include_text=False):
        if node.tag in ("p", "div") and any(_LEAD_PART.match(p) for p in class_parts(node)):
            text = clean(node.text(deep=True))
            if text and text != title:
                return text
    for node in root.css("p"):
        text = clean(node.text(deep=True))
        if len(text) >= 40:
            return text
    return ""


def _sentence_cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    at = cut.rfind(". ")
    if at > limit * 0.5:
        return cut[: at + 1]
    return _trim(text, limit)


def _self_service(title: str, root: Any) -> bool:
    """Mainly a way into a self-service solution: the title says so ("Ansøg om …",
    "Selvbetjening"), or a button-styled link with an action ("Ansøg", "Bestil", "Køb licens")
    comes before the page's first section, where a page puts what it is for."""
    if _SELF_SERVICE_TITLE.search(title):
        return True
    for node in root.traverse(include_text=False):
        if node.tag == "h2":
            return False
        if node.tag != "a":
            continue
        buttonish = (node.attributes.get("role") or "").lower() == "button" or any(
            _BUTTON_PART.match(p) for p in [*class_parts(node), *joined_parts(class_parts(node))]
        )
        if buttonish and _ACTION.search(clean(node.text(deep=True))):
            return True
    return False


def _breadcrumbs(tree: Any) -> tuple[str, ...]:
    for node in tree.css("nav, ol, ul, div"):
        parts = class_parts(node)
        label = node.attributes.get("aria-label") or ""
        if not (
            any(
                re.match(r"(breadcrumbs?|brødkrumme|brodkrumme|broedkrumme)$", p, re.I)
                for p in parts
            )
            or re.search(r"breadcrumb|brødkrumme|du er her", label, re.I)
        ):
            continue
        items = node.css("li") or node.css("a")
        crumbs = []
        for item in items:
            text = clean(item.text(deep=True))
            if text and not re.match(r"du er her", text, re.I):
                crumbs.append(text)
        if crumbs:
            return tuple(crumbs)
    return ()


def _language(tree: Any) -> str:
    html = tree.css_first("html")
    lang = (html.attributes.get("lang") or "") if html is not None else ""
    if not lang:
        meta = tree.css_first('meta[http-equiv="content-language"]')
        lang = (meta.attributes.get("content") or "") if meta is not None else ""
    return "en" if lang.strip().lower().startswith("en") else "da"


def _meta(tree: Any, *names: str) -> str:
    for name in names:
        node = tree.css_first(f'meta[name="{name}"]') or tree.css_first(f'meta[property="{name}"]')
        if node is not None:
            content = clean(node.attributes.get("content"))
            if content:
                return content
    return ""


def _title_tag(tree: Any) -> str:
    node = tree.css_first("title")
    text = clean(node.text(deep=True)) if node is not None else ""
    for separator in (" | ", " – ", " — ", " - "):
        if separator in text:
            return text.split(separator, 1)[0].strip()
    return text


def extract_page(html: str) -> ExtractedPage:
    """Title, description, headings and main text of one page, without the site's
    navigation, cookie banner, breadcrumbs, related-links boxes and footer."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    language = _language(tree)
    description = _meta(tree, "description", "og:description")
    breadcrumbs = _breadcrumbs(tree)
    title_tag = _title_tag(tree)
    og_title = _meta(tree, "og:title")
    root = _root(tree)
    prune(root)
    drop_see_also_boxes(root)
    h1 = root.css_first("h1") or tree.css_first("h1")
    title = clean(h1.text(deep=True)) if h1 is not None else ""
    title = title or og_title or title_tag
    text = _trim("\n".join(_lines(root)), TEXT_LIMIT)
    return ExtractedPage(
        title=title[:300],
        description=_sentence_cut(description or _lead(root, title), DESCRIPTION_LIMIT),
        headings=_headings(root),
        text=text,
        language=language,
        breadcrumbs=breadcrumbs,
        self_service=_self_service(title, root),
    )
