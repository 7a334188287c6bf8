"""axe-core (vendored under vendor/axe-core) run inside a page: the WCAG checks a person with a
screen reader or low vision would notice first."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# Moderate by axe's measure, but they break a screen reader's jump-by-heading navigation, and
# the views are free of them: keep it so.
ALSO_BLOCKING = ("heading-order", "page-has-heading-one")

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), why: n.failureSummary || "" })),
  }));
}"""


def violations(page: Page) -> list[dict]:
    """The serious and critical violations on the page as it is now, and the heading rules."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated as DevTools would, not as a <script>: the page's CSP refuses inline scripts.
        page.evaluate(AXE.read_text())
    return [v for v in page.evaluate(RUN) if v["impact"] in BLOCKING or v["id"] in ALSO_BLOCKING]


def describe(found: dict[str, list[dict]]) -> str:
    """One block per page and phase: each rule, its help link and the offending elements."""
    lines = []
    for where, problems in found.items():
        if not problems:
            continue
        lines.append(f"== {where}")
        for v in problems:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['url']})")
            for node in v["nodes"][:8]:
                why = " ".join(node["why"].split())
                lines.append(f"      {node['target']}: {why[:300]}")
            if len(v["nodes"]) > 8:
                lines.append(f"      … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)
