"""The base of every manage.py command of ours: its --help and argparse's errors in Chinese.

argparse writes its own words ("usage:", "options", "error:", "the following arguments are
required") in English, and Django's base options carry English help. An operator reads them
in Chinese here, in one place; each command keeps only its own help texts.
"""

import argparse
import re
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter

BASE_OPTION_HELP = {
    "help": "显示本帮助并退出",
    "version": "显示版本号并退出",
    "verbosity": "输出详细程度：0 最少，1 正常，2 详细，3 非常详细",
    "settings": "Django 设置模块的 Python 路径（如 bphc.settings）；不给出时使用环境变量 DJANGO_SETTINGS_MODULE",
    "pythonpath": "加入 Python 路径的目录",
    "traceback": "出错时显示完整的调用栈",
    "no_color": "输出不带颜色",
    "force_color": "强制输出带颜色",
    "skip_checks": "跳过系统检查",
}

# argparse's messages (Python 3.11–3.13 wording) → what the operator reads.
ERRORS = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的值 \2 无效，可选：\3"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"参数 \1 的值 \3 格式不正确（应为 \2）"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): expected (.*) arguments?", r"参数 \1 需要 \2 个值"),
    (r"argument (\S+): ignored explicit argument (.*)", r"参数 \1 不接受值 \2"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"one of the arguments (.*) is required", r"必须给出以下参数之一：\1"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 不明确，可能是：\2"),
    (r"Error: (.*)", r"\1"),
]


def chinese_error(message: str) -> str:
    for pattern, words in ERRORS:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, words, message)
    return message


class ChineseHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(CommandParser):
    """Django's CommandParser, saying argparse's errors in Chinese."""

    def error(self, message: str):
        message = chinese_error(message)
        if not self.called_from_command_line:
            raise CommandError(f"参数错误：{message}")
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


class BphcCommand(BaseCommand):
    """Use instead of BaseCommand: the same command, with Chinese help and argument errors."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser itself; ChineseParser only overrides a method, no state.
        parser.__class__ = ChineseParser
        parser._positionals.title, parser._optionals.title = "位置参数", "选项"
        for action in parser._actions:
            if action.dest in BASE_OPTION_HELP and action.help != argparse.SUPPRESS:
                action.help = BASE_OPTION_HELP[action.dest]
        return parser
