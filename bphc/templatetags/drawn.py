"""{% drawn_once k… %} … {% fresh %} … {% endfresh %} … {% enddrawn_once %}: a stretch of a
template drawn once per process for each value of its keys, with only its fresh parts drawn
for every request.

The page's frame (base.html: the head, the header, the footer) is the same for every family
but for a few words (the account's initial, its masked phone, the CSRF token, the address to
come back to) and for whether the page is in 长辈版 and someone is signed in; drawn by the
template engine on every page it was a twentieth of a catalogue page's app CPU in the rush
(issue 18). So the stretch is drawn the first time with a marker where each `{% fresh %}`
goes, kept, and from then on only the fresh parts are drawn, between the kept text.

What may go outside a fresh part: what is a function of the keys alone (and of the process:
static files' hashed names, URLs under this request's script prefix, dates in its time zone
and language; those three are part of every key). Whatever depends on the request, the
account or the page that extends the template goes in a fresh part; every `{% block %}` has
to (a block outside one would be drawn once, by the first page that got there, for all of
them), and the tag refuses a template where one is not. Keys are compared by value: text,
whole numbers, True/False, None, and a model instance by every column of its row as read (so
a row changed by any means, `.update()` included, is drawn anew; the detail page keys its
项目详情 on the project and its plan this way). A `{% url … as name %}` or `{% with %}` whose
name is used after the stretch must stay outside it: a kept stretch does not run its tags.
"""

import hashlib
import re
from collections import OrderedDict

from django import template
from django.db import models
from django.template.base import Node, NodeList
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

register = template.Library()

KEY_TYPES = (str, int, bool, type(None))
# Private-use characters around a number and a fixed nonce: no page text spells one.
MARKER = "\ue000fresh{}:9d20e4\ue000"
MARKER_RE = re.compile("\ue000fresh(\\d+):9d20e4\ue000")
DRAWING = "_drawn_once_drawing"


class FreshNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.index = -1  # numbered by the stretch it is in

    def render(self, context) -> str:
        if context.get(DRAWING):
            return MARKER.format(self.index)
        return self.nodelist.render(context)


class DrawnOnceNode(Node):
    child_nodelists = ("nodelist",)
    LIMIT = 1024  # kept variants a stretch holds (the detail page: one a project and plan version)

    def __init__(self, nodelist: NodeList, keys: list) -> None:
        self.nodelist, self.keys = nodelist, keys
        self.fresh = nodelist.get_nodes_by_type(FreshNode)
        for index, node in enumerate(self.fresh):
            node.index = index
        inside_fresh = {id(block) for node in self.fresh for block in node.nodelist.get_nodes_by_type(BlockNode)}
        for block in nodelist.get_nodes_by_type(BlockNode):
            if id(block) not in inside_fresh:
                raise template.TemplateSyntaxError(
                    f"{{% block {block.name} %}} inside {{% drawn_once %}} must be inside a {{% fresh %}} part")
        self.drawn: OrderedDict = OrderedDict()

    def render(self, context) -> str:
        key = (get_script_prefix(), get_language(), get_current_timezone_name(),
               *(_key_value(expression.resolve(context)) for expression in self.keys))
        parts = self.drawn.get(key)
        if parts is None:
            with context.push({DRAWING: True}):
                parts = MARKER_RE.split(self.nodelist.render(context))  # text, index, text, index, …, text
            seen = parts[1::2]
            if len(seen) != len(set(seen)):
                raise template.TemplateSyntaxError("a {% fresh %} part of {% drawn_once %} was drawn twice (a loop?)")
            parts[1::2] = [self.fresh[int(index)] for index in seen]
            if len(self.drawn) >= self.LIMIT:
                self.drawn.popitem(last=False)
            self.drawn[key] = parts
        return mark_safe("".join(part if isinstance(part, str) else part.nodelist.render(context)  # noqa: S308
                                 for part in parts))  # drawn by the template engine, escaped there


def _key_value(value):
    if isinstance(value, models.Model):  # the row as it was read: any change to it draws anew
        row = repr(tuple(getattr(value, f.attname) for f in value._meta.concrete_fields))
        # A digest, not the text: a plan's row carries its 公告 and 告知书, kilobytes a version.
        return value._meta.label, hashlib.blake2b(row.encode(), digest_size=20).digest()
    if not isinstance(value, KEY_TYPES):
        raise TypeError(f"a {{% drawn_once %}} key must be text, a whole number, True/False, None or a model's row,"
                        f" not {type(value)}")
    return value


@register.tag
def drawn_once(parser, token) -> DrawnOnceNode:
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("enddrawn_once",))
    parser.delete_first_token()
    return DrawnOnceNode(nodelist, keys)


@register.tag
def fresh(parser, token) -> FreshNode:
    nodelist = parser.parse(("endfresh",))
    parser.delete_first_token()
    return FreshNode(nodelist)
