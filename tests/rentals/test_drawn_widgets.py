"""The catalogue filters' widgets are drawn once per value and choices (issue 18), and what is
drawn is what Django's own widgets draw: a family never sees another value's selection."""

from django import forms

from rentals.forms import ProjectFilterForm, UnitFilterForm


def _django_drawn(form: forms.Form, name: str) -> str:
    """The field as Django's own widget draws it, in the same form (errors and all)."""
    drawn = form.fields[name].widget
    plain = (forms.CheckboxInput if isinstance(drawn, forms.CheckboxInput) else forms.Select)(attrs=drawn.attrs)
    plain.choices, plain.is_required = getattr(drawn, "choices", ()), drawn.is_required
    form.fields[name].widget = plain
    try:
        return str(form[name])
    finally:
        form.fields[name].widget = drawn


def test_each_value_gets_its_own_selection_as_django_draws_it():
    for data in [None, {"district": "海淀区"}, {"district": "朝阳区", "unit_type": "二居室"}, {"district": "无此区"}]:
        form = ProjectFilterForm(data, districts=["朝阳区", "海淀区"], unit_types=["一居室", "二居室"])
        for name in ("district", "unit_type"):
            assert str(form[name]) == _django_drawn(form, name), (data, name)
    for data in [None, {"free": "on", "unit_type": "一居室"}, {"building": "2"}, {"free": ""}]:
        form = UnitFilterForm(data, unit_types=["一居室"], buildings=["1", "2"])
        for name in ("unit_type", "free"):  # the building is never drawn: a hidden input carries it
            assert str(form[name]) == _django_drawn(form, name), (data, name)


def test_other_choices_are_drawn_afresh():
    first = str(ProjectFilterForm({"district": "海淀区"}, districts=["海淀区"], unit_types=[])["district"])
    second = str(ProjectFilterForm({"district": "海淀区"}, districts=["海淀区", "朝阳区"], unit_types=[])["district"])
    assert "朝阳区" not in first and "朝阳区" in second
    assert 'value="海淀区" selected' in first and 'value="海淀区" selected' in second
