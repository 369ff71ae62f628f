"""What every journey does on every page: audit it, and read SMS codes like the family would."""

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import last_code

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
_axe_source: str | None = None


def visit_check(page: Page) -> None:
    """The checks for every page a journey visits: accessible, no sideways scroll, no script or CSP
    errors, and text and targets as large as the page's mode (长辈版 or 标准版) promises."""
    page.wait_for_load_state("load")
    assert_no_script_errors(page)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    assert_sizes(page)


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


# The numbers each mode promises (CSS px at 1×). 长辈版 follows MIIT's 适老化 specs; the gap
# between targets and the standard text floor are this project's own.
MODE_LIMITS = {
    "elder": {"text": 24, "line": 1.5, "paragraph": 1.3, "target": 60, "gap": 8, "contrast": 7.0},
    "standard": {"text": 14, "line": 1.2, "paragraph": 1.0, "target": 44, "gap": 4, "contrast": 4.5},
}
MEASURE_JS = (Path(__file__).resolve().parent / "measure.js").read_text(encoding="utf-8")
# The smallest figure of each kind over every page measured in this run, per mode (for the report).
smallest: dict[str, dict] = {}


def page_mode(page: Page) -> str:
    return "elder" if page.evaluate("() => document.documentElement.classList.contains('elder')") else "standard"


def measure(page: Page, target_limit: float = 0) -> dict:
    """The smallest text, line height, paragraph spacing, target, gap and body-text contrast on the
    page; `small` lists (up to ten) targets narrower or lower than target_limit."""
    return page.evaluate(MEASURE_JS, target_limit)


def assert_sizes(page: Page) -> None:
    """Every visible text, target and gap on the page as large as its mode's numbers in MODE_LIMITS."""
    mode = page_mode(page)
    limits = MODE_LIMITS[mode]
    m = measure(page, limits["target"])
    _remember(mode, page.url, m)
    problems = []
    if m["text"] and m["text"]["size"] < limits["text"]:
        problems.append(f"text {m['text']['size']}px < {limits['text']}px at {m['text']['at']}")
    if m["line"] and m["line"]["ratio"] < limits["line"]:
        problems.append(f"line height {m['line']['ratio']:.2f} < {limits['line']} at {m['line']['at']}")
    if m["paragraph"] and m["paragraph"]["ratio"] < limits["paragraph"]:
        problems.append(
            f"paragraph spacing {m['paragraph']['ratio']:.2f}× line height < {limits['paragraph']} "
            f"at {m['paragraph']['at']}"
        )
    for t in m["small"]:
        problems.append(f"target {t['w']}×{t['h']}px < {limits['target']}px at {t['at']}")
    if m["gap"] and m["gap"]["px"] < limits["gap"]:
        problems.append(f"gap {m['gap']['px']}px < {limits['gap']}px between {m['gap']['at']}")
    if m["contrast"] and m["contrast"]["ratio"] < limits["contrast"]:
        contrast = m["contrast"]
        problems.append(f"text contrast {contrast['ratio']:.2f}:1 < {limits['contrast']}:1 at {contrast['at']}")
    assert not problems, f"{mode} page {page.url} is below its numbers:\n  " + "\n  ".join(problems[:12])


def _remember(mode: str, url: str, m: dict) -> None:
    low = smallest.setdefault(mode, {"pages": 0})
    low["pages"] += 1
    figures = {
        "text": m["text"] and m["text"]["size"],
        "line": m["line"] and m["line"]["ratio"],
        "paragraph": m["paragraph"] and m["paragraph"]["ratio"],
        "target": m["target"] and min(m["target"]["w"], m["target"]["h"]),
        "gap": m["gap"] and m["gap"]["px"],
        "contrast": m["contrast"] and m["contrast"]["ratio"],
    }
    for key, value in figures.items():
        if value is not None and (key not in low or value < low[key][0]):
            low[key] = (round(value, 2), url)
