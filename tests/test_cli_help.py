"""Every command's arguments say what they are, and each command's --set example is a key of the
preset section that command uses (and a valid override)."""

import argparse
import re

import pytest

from dreamvideo.cli import build_parser
from dreamvideo.config import apply_override, parse_preset


def commands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_argument_of_every_command_has_help():
    missing = [f"{name} {action.option_strings or action.dest}" for name, parser in commands().items()
               for action in parser._actions
               if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert missing == []


@pytest.mark.parametrize("command, section", [("render", "output"), ("dream", "dream"), ("stylize", "style")])
def test_set_example_is_a_key_of_the_command_s_section(command, section):
    option = next(a for a in commands()[command]._actions if "--set" in a.option_strings)
    example = re.search(r"--set (\S+)", option.help).group(1)
    assert example.startswith(f"{section}.")
    raw: dict = {}
    apply_override(raw, example)
    parse_preset(raw)  # a valid override
