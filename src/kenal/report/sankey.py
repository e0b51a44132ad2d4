"""A two-column Sankey diagram of customers moving between segments, as inline SVG."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup, escape

GAP = 8  # pixels between the bars of one column
BAR = 14


LABEL = 22  # characters of a segment's name that fit beside its bar; the full name is the tooltip


def _short(name: str) -> str:
    return name if len(name) <= LABEL else name[:LABEL - 1] + "…"


def sankey_svg(table: pd.DataFrame, before: str, after: str, colours: dict[str, str], order: list[str] = (),
               width: int = 760, height: int = 420) -> Markup:
    """``table`` has from_segment, to_segment and customers (as kenal.temporal.migration returns);
    each segment is a bar (in ``order``, then by name), each flow a band as wide as its customers."""
    flows = table[table.customers > 0]
    if flows.empty:
        return Markup("")
    rank = {name: i for i, name in enumerate(order)}
    place = lambda name: (rank.get(name, len(rank)), name)  # noqa: E731
    left, right = (flows.groupby(side).customers.sum() for side in ("from_segment", "to_segment"))
    left, right = (sizes.loc[sorted(sizes.index, key=place)] for sizes in (left, right))
    total = float(flows.customers.sum())
    usable = height - 40 - GAP * max(len(left), len(right))
    scale = usable / total
    label_w = 190
    x0, x1 = label_w, width - label_w - BAR

    def positions(sizes: pd.Series) -> dict[str, float]:
        y, out = 30.0, {}
        for name, n in sizes.items():
            out[name] = y
            y += n * scale + GAP
        return out

    top_l, top_r = positions(left), positions(right)
    used_l, used_r = dict.fromkeys(left.index, 0.0), dict.fromkeys(right.index, 0.0)
    bands = []
    for r in sorted(flows.itertuples(), key=lambda r: (place(r.from_segment), place(r.to_segment))):
        h = r.customers * scale
        ya, yb = top_l[r.from_segment] + used_l[r.from_segment], top_r[r.to_segment] + used_r[r.to_segment]
        used_l[r.from_segment] += h
        used_r[r.to_segment] += h
        xa, xb, mid = x0 + BAR, x1, (x0 + BAR + x1) / 2
        path = (f"M{xa:.1f},{ya:.1f} C{mid:.1f},{ya:.1f} {mid:.1f},{yb:.1f} {xb:.1f},{yb:.1f} "
                f"L{xb:.1f},{yb + h:.1f} C{mid:.1f},{yb + h:.1f} {mid:.1f},{ya + h:.1f} {xa:.1f},{ya + h:.1f} Z")
        title = f"{r.from_segment} → {r.to_segment}: {r.customers:,} customers"
        bands.append(f'<path d="{path}" fill="{colours.get(r.from_segment, "#9aa3b2")}" fill-opacity=".35">'
                     f"<title>{escape(title)}</title></path>")
    bars = []
    for sizes, tops, x, anchor, tx in ((left, top_l, x0, "end", x0 - 6), (right, top_r, x1, "start", x1 + BAR + 6)):
        for name, n in sizes.items():
            y, h = tops[name], n * scale
            bars.append(f'<rect x="{x}" y="{y:.1f}" width="{BAR}" height="{max(h, 1):.1f}" '
                        f'fill="{colours.get(name, "#9aa3b2")}"/>'
                        f'<text x="{tx}" y="{y + h / 2 + 4:.1f}" text-anchor="{anchor}"><title>{escape(name)}</title>'
                        f'{escape(_short(name))} ({n:,})</text>')
    heads = (f'<text x="{x0 + BAR}" y="16" text-anchor="end" class="title">{escape(before)}</text>'
             f'<text x="{x1}" y="16" class="title">{escape(after)}</text>')
    return Markup(f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="customers moving between segments">'
                  f"{heads}{''.join(bands)}{''.join(bars)}</svg>")
