"""The product's charts: SVG rendered on the server by pygal, so that the same chart shows
in pages and in PDFs, each with its data table beside it for screen readers.

    chart = bar_chart(_("Satisfaction"), [("Session A", 82), ...], unit="%")
    {{ chart.svg|safe }} and {{ chart.table }} (rows of label, value)
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#7b8794",
    colors=("#2f6f9f", "#c2410c", "#3f8f5a", "#7c3aed", "#b45309"),
    font_family="DejaVu Sans, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    value_font_size=11,
    title_font_size=13,
)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    table: list[tuple[str, str]]
    unit: str = ""


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:g}".replace(".", ",")
    return f"{text} {unit}".strip()


def _render(chart: pygal.Graph) -> str:
    svg: bytes = chart.render(is_unicode=False, disable_xml_declaration=True)
    return svg.decode() if isinstance(svg, bytes) else str(svg)


def bar_chart(
    title: str,
    data: Sequence[tuple[str, float | None]],
    *,
    unit: str = "",
    max_value: float | None = None,
    horizontal: bool = True,
) -> Chart:
    """One bar per (label, value); a value of None is drawn as nothing and read as "—"."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        style=STYLE,
        show_legend=False,
        width=640,
        height=max(160, 34 * len(data) + 70) if horizontal else 320,
        range=(0, max_value) if max_value is not None else None,
        print_values=True,
        value_formatter=lambda v: _number(v, unit),
        explicit_size=False,
        js=[],
        disable_xml_declaration=True,
    )
    chart.title = title
    chart.x_labels = [label for label, _value in data]
    chart.add(title, [value for _label, value in data])
    return Chart(
        title, _render(chart), [(label, _number(value, unit)) for label, value in data], unit
    )


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
) -> Chart:
    """Trends: one line per series over the periods in `labels`."""
    chart = pygal.Line(
        style=STYLE,
        width=640,
        height=320,
        value_formatter=lambda v: _number(v, unit),
        js=[],
        disable_xml_declaration=True,
        allow_interruptions=True,
    )
    chart.title = title
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    table = [
        (f"{name} · {label}", _number(value, unit))
        for name, values in series
        for label, value in zip(labels, values, strict=True)
    ]
    return Chart(title, _render(chart), table, unit)
