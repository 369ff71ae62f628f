"""The order as pure functions, and the standalone script held to the same checked-in vectors."""

import random
import subprocess
import sys
from pathlib import Path

import pytest

from results import draw as rules
from tests.results.conftest import PUBLIC_VALUE, SEED, VECTORS

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"
LIST = (VECTORS / "list.csv").read_text(encoding="utf-8")


def _script(list_path: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, str(SCRIPT), str(list_path), *args], capture_output=True, check=True,
                          env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"})
    return done.stdout.decode("utf-8")


def test_the_module_gives_the_known_answers():
    entries = rules.parse_list(LIST)
    lottery = rules.order(entries, lottery=True, seed=SEED, public_value=PUBLIC_VALUE)
    assert rules.order_text(lottery) == (VECTORS / "expected_lottery.txt").read_text(encoding="utf-8")
    by_rules = rules.order(entries, lottery=False)
    assert rules.order_text(by_rules) == (VECTORS / "expected_rules.txt").read_text(encoding="utf-8")


def test_the_script_gives_the_known_answers():
    lottery = _script(VECTORS / "list.csv", "--seed", SEED, "--public-value", PUBLIC_VALUE)
    assert lottery == (VECTORS / "expected_lottery.txt").read_text(encoding="utf-8")
    assert _script(VECTORS / "list.csv") == (VECTORS / "expected_rules.txt").read_text(encoding="utf-8")


def test_the_vector_commitment_is_the_seed_hash():
    assert rules.sha256_hex(SEED) in (VECTORS / "README.md").read_text(encoding="utf-8")


def test_the_script_fits_on_one_screen_and_uses_the_standard_library_only():
    text = SCRIPT.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 60
    imported = {line.split()[1] for line in text.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= {"argparse", "csv", "hashlib", "sys"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_order_does_not_depend_on_the_order_rows_are_read_in(tmp_path, seed):
    header, *lines = LIST.splitlines()
    random.Random(seed).shuffle(lines)
    shuffled = "\n".join([header, *lines]) + "\n"
    entries = rules.parse_list(shuffled)
    assert rules.list_text(entries) == LIST  # the same registrations, the same file and hash
    expected = (VECTORS / "expected_lottery.txt").read_text(encoding="utf-8")
    assert rules.order_text(rules.order(entries, lottery=True, seed=SEED, public_value=PUBLIC_VALUE)) == expected
    path = tmp_path / "shuffled.csv"
    path.write_text(shuffled, encoding="utf-8")
    assert _script(path, "--seed", SEED, "--public-value", PUBLIC_VALUE) == expected


def test_changing_adding_or_dropping_one_registration_changes_the_list_hash():
    entries = rules.parse_list(LIST)
    base = rules.sha256_hex(rules.list_text(entries))
    changed = [entries[0].__class__(**{**entries[0].__dict__, "tier": "优先"}), *entries[1:]]
    added = [*entries, rules.Entry("V-000009", "P2", "一居室", "普通", 2025, "2026-11-02 09:00:09.000000")]
    dropped = entries[1:]
    hashes = {rules.sha256_hex(rules.list_text(e)) for e in (changed, added, dropped)}
    assert base not in hashes and len(hashes) == 3


def test_priority_families_come_first_in_a_lottery_whatever_their_hash():
    entries = [rules.Entry(f"T-{i:03d}", "P", "一居室", "优先" if i % 3 == 0 else "普通", 2025, "t")
               for i in range(60)]
    ordered = rules.order(entries, lottery=True, seed="s", public_value="v")[("P", "一居室")]
    assert [e.tier for e in ordered] == ["优先"] * 20 + ["普通"] * 40


def test_filing_year_comes_before_priority_in_the_rules_but_not_in_a_lottery():
    old_ordinary = rules.Entry("A", "P", "一居室", "普通", 2023, "2026-11-02 10:00:00.000000")
    new_priority = rules.Entry("B", "P", "一居室", "优先", 2025, "2026-11-02 09:00:00.000000")
    by_rules = rules.order([new_priority, old_ordinary], lottery=False)[("P", "一居室")]
    assert [e.number for e in by_rules] == ["A", "B"]
    lottery = rules.order([old_ordinary, new_priority], lottery=True, seed="s", public_value="v")[("P", "一居室")]
    assert [e.number for e in lottery] == ["B", "A"]


def test_a_different_public_value_gives_a_different_order():
    entries = [rules.Entry(f"T-{i:03d}", "P", "一居室", "普通", 2025, "t") for i in range(30)]
    one = rules.order(entries, lottery=True, seed=SEED, public_value="1")
    two = rules.order(entries, lottery=True, seed=SEED, public_value="2")
    assert one != two


def test_a_list_file_with_another_header_is_refused():
    with pytest.raises(ValueError):
        rules.parse_list("number,project\nX,P\n")
