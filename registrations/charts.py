"""The dashboard's per-hour bar chart as plain geometry, so the template only draws SVG."""

import datetime as dt
import math

from .stats import Hour


def _tick_step(value: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at least `value`, so that every gridline is a whole number."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def hourly_chart(hours: list[Hour], width: int = 880, height: int = 260) -> dict | None:
    """Geometry of the per-hour bar chart, so the template only draws <rect>s and <text>s."""
    if not hours:
        return None
    left, right, top, bottom = 48, 12, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    step = _tick_step(max(h.count for h in hours) / 4)
    ymax = step * 4
    slot = plot_w / len(hours)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, h in enumerate(hours):
        bar_h = plot_h * h.count / ymax
        bars.append({
            "x": f"{left + i * slot + gap / 2:.1f}", "y": f"{top + plot_h - bar_h:.1f}",
            "w": f"{max(slot - gap, 0.5):.1f}", "h": f"{bar_h:.1f}",
            "title": f"{h.start:%m-%d %H}:00–{(h.start + dt.timedelta(hours=1)):%H}:00 登记 {h.count} 条",
        })
    every = max(1, math.ceil(len(hours) / 12))
    multi_day = hours[0].start.date() != hours[-1].start.date()
    xticks = [
        {"x": f"{left + (i + 0.5) * slot:.1f}", "label": f"{h.start:%m-%d %H}时" if multi_day else f"{h.start:%H}:00"}
        for i, h in enumerate(hours) if i % every == 0
    ]
    yticks = [
        {"y": f"{top + plot_h - plot_h * k / 4:.1f}", "label": str(step * k)} for k in range(5)
    ]
    return {
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "bottom": top + plot_h, "label_y": top + plot_h + 18, "bars": bars, "xticks": xticks, "yticks": yticks,
    }
