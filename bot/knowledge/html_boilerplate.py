"""What is not a page's own text: the site's furniture, found in the parsed page (import-site).

Used by :mod:`bot.knowledge.html_extract` (rules 2 and 3 there): navigation, asides, footers,
forms, dialogs and scripts, any element whose role, class, id or aria-label says breadcrumb,
cookie/consent, related links, share, menu, print, feedback or screen-reader-only text (unless it
holds the page's ``<h1>``), and the "Se også" / "Relaterede links" boxes that are mostly links.
The nodes are selectolax (Lexbor) nodes.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

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

def clean(text: str | None) -> str:
    """``text`` with each run of whitespace as one space, trimmed ('' for None)."""
    return " ".join((text or "").split())


def class_parts(node: Any) -> list[str]:
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
    parts = class_parts(node)
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
        or any(_BOILER_PART.match(p) for p in joined_parts(parts))
        or bool(label and _BOILER_LABEL.search(label))
    )
    return boiler and not _has_h1(node)


def joined_parts(parts: list[str]) -> list[str]:
    """Neighbouring parts joined, for names split in two: "sr-only", "see-also", "se-ogsaa"."""
    return [a + b for a, b in itertools.pairwise(parts)]


def prune(node: Any) -> None:
    """Drop the boilerplate below ``node`` (comments too), in place."""
    child = node.child
    while child is not None:
        following = child.next
        if child.is_element_node:
            if _is_boilerplate(child):
                child.decompose()
            else:
                prune(child)
        elif child.is_comment_node:
            child.decompose()
        child = following


def _link_density(node: Any, minus: str = "") -> float:
    total = len(clean(node.text(deep=True))) - len(minus)
    if total <= 0:
        return 1.0
    linked = sum(len(clean(a.text(deep=True))) for a in node.css("a"))
    return linked / total


def _see_also_heading(root: Any) -> tuple[Any, str] | None:
    for heading in root.css("h2, h3, h4, h5, h6, strong, b, p, span, div"):
        text = clean(heading.text(deep=True)).rstrip(":").strip()
        if not text or len(text) > 40 or not _SEE_ALSO.match(text):
            continue
        if heading.tag in ("p", "span", "div", "strong", "b") and heading.css_first("a"):
            continue
        return heading, text
    return None


def drop_see_also_boxes(root: Any) -> None:
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
