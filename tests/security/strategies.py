"""Hostile input for the fuzz tests."""

from hypothesis import strategies as st

HOSTILE = [
    "", " ", "\x00", "\u202e", "'; DROP TABLE accounts_user; --", "' OR '1'='1", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "${jndi:ldap://x}", "../../etc/passwd", "%00", "\r\n\r\n",
    "9" * 400, "-1", "1e309", str(2**64), "NaN", "１３８１２３４５６７８", "+86 138 1234 5678", "null", "[]", "{}",
    "GLH2026000001", "11010519491231002X", "一居室", "朝阳区", "😀" * 50, "x" * 5000,
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
)


def form_data(*fields: str):
    """A dict of the given fields, each hostile or missing."""
    return st.fixed_dictionaries({}, optional={f: hostile_text for f in fields})
