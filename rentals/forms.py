from django import forms

from .vocab import DISTRICTS, UNIT_TYPE_ORDER


class _DrawnOnce:
    """A widget drawn once per process for each (name, value, attributes, choices, required): its
    HTML is a function of those alone, and the filters' selects cost a catalogue page 0.2 ms each
    to draw through the template engine (issue 18). Bounded: the values come from the address bar."""

    _drawn: dict = {}
    LIMIT = 2048

    def render(self, name, value, attrs=None, renderer=None):
        key = (type(self), name, _frozen(value), _frozen(attrs), _frozen(self.attrs), self.is_required,
               tuple(getattr(self, "choices", ())), renderer)
        html = self._drawn.get(key)
        if html is None:
            if len(self._drawn) >= self.LIMIT:
                self._drawn.clear()
            html = self._drawn[key] = super().render(name, value, attrs, renderer)
        return html


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


class DrawnOnceSelect(_DrawnOnce, forms.Select):
    pass


class DrawnOnceCheckbox(_DrawnOnce, forms.CheckboxInput):
    pass


def _choices(values, order, everything: str) -> list[tuple[str, str]]:
    return [("", everything)] + [(v, v) for v in sorted(set(values), key=lambda v: order.get(v, 99))]


class ProjectFilterForm(forms.Form):
    """区域 and 户型 for a plan's project list; the choices are what the plan offers."""

    district = forms.ChoiceField(label="区域", required=False, widget=DrawnOnceSelect,
                                 error_messages={"invalid_choice": "本计划没有“%(value)s”的项目，已显示全部区域。"})
    unit_type = forms.ChoiceField(label="户型", required=False, widget=DrawnOnceSelect,
                                  error_messages={"invalid_choice": "本计划没有“%(value)s”户型，已显示全部户型。"})

    def __init__(self, data, *, districts, unit_types) -> None:
        super().__init__(data)
        order = {d: i for i, d in enumerate(DISTRICTS)}
        self.fields["district"].choices = _choices(districts, order, "全部区域")
        self.fields["unit_type"].choices = _choices(unit_types, UNIT_TYPE_ORDER, "全部户型")

    def chosen(self) -> dict[str, str]:
        """The valid, non-empty choices; a bad value is dropped rather than failing the page."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


class UnitFilterForm(forms.Form):
    """楼号, 户型 and 只看可选 for a real-time project's units."""

    # Checked against the project's buildings, not a ChoiceField's choices: never drawn (the page
    # carries it in a hidden input), and its choices, 26 buildings at 5,000 units, were rebuilt
    # and normalised on every detail page (issue 18).
    building = forms.Field(label="楼号", required=False,
                           error_messages={"invalid_choice": "本项目没有楼号“%(value)s”，已显示第一栋楼。"})
    unit_type = forms.ChoiceField(label="户型", required=False, widget=DrawnOnceSelect,
                                  error_messages={"invalid_choice": "本项目没有“%(value)s”户型，已显示全部户型。"})
    free = forms.BooleanField(label="只看可选房源", required=False, widget=DrawnOnceCheckbox)

    def __init__(self, data, *, unit_types, buildings) -> None:
        super().__init__(data)
        self.buildings = set(buildings)
        self.fields["unit_type"].choices = _choices(unit_types, UNIT_TYPE_ORDER, "全部户型")

    def clean_building(self) -> str:
        building = self.cleaned_data["building"] or ""
        if building and building not in self.buildings:
            raise forms.ValidationError(self.fields["building"].error_messages["invalid_choice"],
                                        code="invalid_choice", params={"value": building})
        return building

    def chosen(self) -> dict[str, str]:
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
