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

import itertools
import re
from dataclasses import dataclass
from typing import Any

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

# Never main text, whatever their class.
_DROP_TAGS = frozenset(
    "script style noscript template svg iframe object embed canvas nav aside footer form "
    "dialog select textarea input".split()
)
_BOILER_ROLES = frozenset(
    {"navigation", "complementary", "contentinfo", "banner", "search", "dialog", "alertdialog"}
)
# One dash- or underscore-separated part of a class or id.
_BOILER_PART = re.compile(
    r"^(breadcrumbs?|brodkrumme|broedkrumme|brødkrumme|cookies?|cookiebot|consent|samtykke|gdpr"
    r"|related|relaterede?|relateret|seealso|seogsaa|share|sharing|deling|social|skip|skiplink"
    r"|print|udskriv|feedback|tilfredshed|rating|sidebar|menu|megamenu|navbar|nav|navigation"
    r"|subnav|topnav|mainnav|footer|sidefod|toolbar|banner|sronly|visuallyhidden"
    r"|screenreader|offscreen)$",
    re.I,
)
_BOILER_LABEL = re.compile(
    r"breadcrumb|brødkrumme|du er her|cookie|samtykke|hovedmenu|menu|navigation|sidefod|footer"
    r"|se også|relater",
    re.I,
)
_SEE_ALSO = re.compile(
    r"^(se også|se ogsaa|relaterede?( links| sider| emner| indhold)?|relateret( indhold)?"
    r"|læs også|læs mere|genveje|nyttige links|links|andre læser også|mere om emnet"
    r"|related( links| pages)?|see also)$",
    re.I,
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


class NotHtmlError(ValueError):
    """The body is not an HTML page (a PDF, an image, binary data)."""


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


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _parts(node: Any) -> list[str]:
    """The class and id of an element split into parts: "cookie-banner__text" → cookie,
    banner, text; "srOnly" stays one part and is matched case-insensitively."""
    attrs = node.attributes
    raw = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return [p for p in re.split(r"[\s_-]+", raw) if p]


def _has_h1(node: Any) -> bool:
    return node.tag == "h1" or node.css_first("h1") is not None


def _is_boilerplate(node: Any) -> bool:
    tag = node.tag
    if tag in _DROP_TAGS:
        return True
    parts = _parts(node)
    if tag == "header" and not _has_h1(node):
        # a site header; an accordion's header part is main text
        return not any(re.match(r"(accordion|collapse|panel|faq)", p, re.I) for p in parts)
    attrs = node.attributes
    role = (attrs.get("role") or "").lower()
    label = attrs.get("aria-label") or ""
    boiler = (
        role in _BOILER_ROLES
        or any(_BOILER_PART.match(p) for p in parts)
        or any("cookie" in p.lower() or "breadcrumb" in p.lower() for p in parts)
        or any(_BOILER_PART.match(p) for p in _joined_parts(parts))
        or bool(label and _BOILER_LABEL.search(label))
    )
    return boiler and not _has_h1(node)


def _joined_parts(parts: list[str]) -> list[str]:
    """Neighbouring parts joined, for names split in two: "sr-only", "see-also", "se-ogsaa"."""
    return [a + b for a, b in itertools.pairwise(parts)]


def _prune(node: Any) -> None:
    """Drop the boilerplate below ``node`` (comments too), in place."""
    child = node.child
    while child is not None:
        following = child.next
        if child.is_element_node:
            if _is_boilerplate(child):
                child.decompose()
            else:
                _prune(child)
        elif child.is_comment_node:
            child.decompose()
        child = following


def _link_density(node: Any, minus: str = "") -> float:
    total = len(_clean(node.text(deep=True))) - len(minus)
    if total <= 0:
        return 1.0
    linked = sum(len(_clean(a.text(deep=True))) for a in node.css("a"))
    return linked / total


def _see_also_heading(root: Any) -> tuple[Any, str] | None:
    for heading in root.css("h2, h3, h4, h5, h6, strong, b, p, span, div"):
        text = _clean(heading.text(deep=True)).rstrip(":").strip()
        if not text or len(text) > 40 or not _SEE_ALSO.match(text):
            continue
        if heading.tag in ("p", "span", "div", "strong", "b") and heading.css_first("a"):
            continue
        return heading, text
    return None


def _drop_see_also_boxes(root: Any) -> None:
    """Remove "Se også" / "Relaterede links" boxes: the heading and the links under it."""
    for _ in range(50):
        found = _see_also_heading(root)
        if found is None:
            return
        heading, text = found
        # the largest ancestor below the root that is still mostly links
        box = None
        ancestor = heading.parent
        while ancestor is not None and ancestor.mem_id != root.mem_id:
            if _has_h1(ancestor) or _link_density(ancestor, text) < 0.5:
                break
            box = ancestor
            ancestor = ancestor.parent
        if box is not None:
            box.decompose()
            continue
        following = heading.next
        while following is not None and not following.is_element_node:
            following = following.next
        heading.decompose()
        if (
            following is not None
            and following.tag in ("ul", "ol", "div", "nav")
            and _link_density(following) >= 0.5
        ):
            following.decompose()


def _root(tree: Any) -> Any:
    for selector in _ROOTS:
        node = tree.css_first(selector)
        if node is not None and _clean(node.text(deep=True)):
            return node
    return tree.body or tree.root


def _lines(root: Any) -> list[str]:
    """The text of ``root``, one line per block (paragraph, heading, list item, …)."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = _clean("".join(buffer))
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
        text = _clean(node.text(deep=True))
        if text and len(text) <= 200 and text not in found:
            found.append(text)
        if len(found) >= HEADING_LIMIT:
            break
    return tuple(found)


def _lead(root: Any, title: str) -> str:
    for node in root.traverse(include_text=False):
        if node.tag in ("p", "div") and any(_LEAD_PART.match(p) for p in _parts(node)):
            text = _clean(node.text(deep=True))
            if text and text != title:
                return text
    for node in root.css("p"):
        text = _clean(node.text(deep=True))
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
            _BUTTON_PART.match(p) for p in [*_parts(node), *_joined_parts(_parts(node))]
        )
        if buttonish and _ACTION.search(_clean(node.text(deep=True))):
            return True
    return False


def _breadcrumbs(tree: Any) -> tuple[str, ...]:
    for node in tree.css("nav, ol, ul, div"):
        parts = _parts(node)
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
            text = _clean(item.text(deep=True))
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
            content = _clean(node.attributes.get("content"))
            if content:
                return content
    return ""


def _title_tag(tree: Any) -> str:
    node = tree.css_first("title")
    text = _clean(node.text(deep=True)) if node is not None else ""
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
    _prune(root)
    _drop_see_also_boxes(root)
    h1 = root.css_first("h1") or tree.css_first("h1")
    title = _clean(h1.text(deep=True)) if h1 is not None else ""
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
