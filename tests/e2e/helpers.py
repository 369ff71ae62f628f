"""What every journey does on every page: audit it, and read SMS codes like the family would."""

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import last_code

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
_axe_source: str | None = None


def visit_check(page: Page) -> None:
    """The checks for every page a journey visits: accessible, no sideways scroll, no script or CSP errors."""
    page.wait_for_load_state("load")
    assert_no_script_errors(page)
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def assert_no_script_errors(page: Page) -> None:
    errors = getattr(page, "script_errors", [])
    assert not errors, f"Uncaught script errors on {page.url}:\n" + "\n".join(errors)


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing is wider than the screen (the phone is where this bites)."""
    result = page.evaluate(
        """() => {
          const root = document.documentElement, limit = root.clientWidth;
          const wide = [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map(el => el.outerHTML.slice(0, 120) + "  → right edge " + Math.round(el.getBoundingClientRect().right));
          return {scrollWidth: root.scrollWidth, width: limit, innerWidth: window.innerWidth, wide};
        }"""
    )
    assert result["scrollWidth"] <= min(result["width"], result["innerWidth"]), (
        f"{page.url} scrolls sideways: content is {result['scrollWidth']}px wide on a "
        f"{result['width']}px screen. Widest elements:\n  " + "\n  ".join(result["wide"])
    )


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation of impact serious or critical on the page as it is now."""
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    # evaluate() is not subject to the page's Content-Security-Policy, unlike a <script> tag.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source)
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not bad, f"axe-core found {len(bad)} serious/critical problem(s) on {page.url}:\n" + _describe(bad)


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'], ensure_ascii=False)}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def request_code(page: Page, phone: str, *, within=None) -> str:
    """Press 获取验证码 (in `within`, default the page), wait for the 已发送 note, return the SMS code."""
    scope = within or page
    button = scope.get_by_role("button", name="获取验证码")
    button.click()
    expect(scope.get_by_role("status").filter(has_text="验证码已发送")).to_be_visible()
    return last_code(phone)


def assert_on_screen(page: Page, locator) -> None:
    """The element can be seen whole without scrolling sideways (menus that open off the edge)."""
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
        f"{locator} spans x={box['x']:.0f}..{box['x'] + box['width']:.0f}, outside the {width}px screen"
    )


def tab_to(page: Page, locator, *, limit: int = 40) -> int:
    """Press Tab until `locator` has the keyboard focus, as a keyboard user would; return the presses."""
    locator.wait_for(state="attached")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{locator} was not reached with {limit} presses of Tab")
