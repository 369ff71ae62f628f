"""Every manage.py command of ours speaks Chinese: its --help and argparse's own errors."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, load_command_class

ROOT = Path(__file__).resolve().parents[2]
OURS = sorted((path.parts[-4], path.stem) for path in ROOT.glob("*/management/commands/[a-z]*.py"))
ENGLISH = re.compile(r"usage:|positional arguments|options:|show this help|Verbosity|Python path|"
                     r"stack trace|colori[sz]e|Skip system")


def test_every_command_of_ours_is_found():
    assert len(OURS) >= 11 and ("registrations", "plan_stats") in OURS


@pytest.mark.parametrize("app, name", OURS, ids=[name for _, name in OURS])
def test_help_is_in_chinese(app, name):
    command = load_command_class(app, name)
    text = command.create_parser("manage.py", name).format_help()
    assert "用法：" in text and "选项" in text and "显示本帮助并退出" in text
    assert ENGLISH.findall(text) == []
    # Every word of help the command itself gives is Chinese too.
    assert re.search(r"[\u4e00-\u9fff]", command.help)
    for action in command.create_parser("manage.py", name)._actions:
        assert action.help is None or action.help == "==SUPPRESS==" or re.search(r"[\u4e00-\u9fff]", action.help)


@pytest.mark.parametrize("args, words", [
    ((), "参数错误：缺少必需的参数：plan"),
    (("KS-1", "--format", "pdf"), "参数错误：参数 --format 的值 'pdf' 无效，可选：'xlsx', 'csv'"),
    (("KS-1", "--bogus"), "参数错误：无法识别的参数：--bogus"),
])
def test_argument_errors_are_in_chinese(db, args, words):
    with pytest.raises(CommandError) as refused:
        call_command("export_registrations", *args)
    assert str(refused.value) == words


def test_on_the_command_line_usage_and_error_are_in_chinese():
    run = subprocess.run([sys.executable, "manage.py", "plan_stats"], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "bphc.settings"}, timeout=60)
    assert run.returncode == 2
    assert run.stderr.startswith("用法：manage.py plan_stats")
    assert "manage.py plan_stats：错误：缺少必需的参数：plan" in run.stderr
    assert ENGLISH.findall(run.stderr) == []
