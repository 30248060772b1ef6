#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write piwcheck's man page or bash completion from its argparse parser,
so both always say what --help says.  Usage: gendocs.py man|bash"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from piwcheck.cli import DESCRIPTION, EPILOG, build_parser  # noqa: E402

SUMMARY = "check piwheels wheels and apt dependencies before pip install"


def _roff(text):
    text = text.replace("\\", "\\\\").replace("-", "\\-")
    lines = []
    for line in text.splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def _expand(action, parser):
    formatter = parser._get_formatter()
    return formatter._expand_help(action) if action.help else ""


def _options(parser):
    """(option text, help) for every argument, in --help's order."""
    out = []
    for group in parser._action_groups:
        for action in group._group_actions:
            if action.help == argparse.SUPPRESS:
                continue
            if action.option_strings:
                metavar = "" if action.nargs == 0 else " " + (
                    action.metavar or action.dest.upper())
                names = ", ".join(o + metavar for o in action.option_strings)
            else:
                names = action.metavar or action.dest
            out.append((names, _expand(action, parser)))
    return out


def _epilog_sections():
    """EPILOG's 'title:' blocks as (TITLE, [(term, text)])."""
    sections = []
    for block in EPILOG.strip().split("\n\n"):
        lines = block.splitlines()
        items = []
        for line in lines[1:]:
            indent = len(line) - len(line.lstrip())
            if items and indent > 4:  # the text goes on
                term, text = items[-1]
                items[-1] = (term, (text + " " + line.strip()).strip())
                continue
            if items and items[-1][0].endswith(",") and not items[-1][1]:
                term, _, text = line.strip().partition("  ")
                items[-1] = (items[-1][0] + " " + term, text.strip())
                continue  # the term goes on
            term, _, text = line.strip().partition("  ")
            items.append((term, text.strip()))
        sections.append((lines[0].rstrip(":").upper(), items))
    return sections


def man(parser):
    import subprocess

    def changelog(field):
        return subprocess.run(
            ["dpkg-parsechangelog", "-S", field], capture_output=True,
            text=True, check=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        ).stdout.strip()

    import email.utils

    version = changelog("Version")
    date = email.utils.parsedate_to_datetime(changelog("Date")).strftime(
        "%Y-%m-%d")
    usage = parser.format_usage().split(" ", 2)[2].strip()
    out = [
        '.TH PIWCHECK 1 "{}" "piwcheck {}" "User Commands"'.format(
            date, version),
        ".SH NAME",
        "piwcheck \\- " + _roff(SUMMARY),
        ".SH SYNOPSIS",
        ".B piwcheck",
        _roff(" ".join(usage.split())),
        ".SH DESCRIPTION",
        _roff(" ".join(DESCRIPTION.split())),
        ".SH OPTIONS",
    ]
    for names, text in _options(parser):
        out += [".TP", "\\fB{}\\fR".format(_roff(names)), _roff(text)]
    for title, items in _epilog_sections():
        out.append(".SH " + title)
        for term, text in items:
            if title == "EXAMPLES":
                out += [".TP", ".B " + _roff(term), _roff(text)]
            else:
                out += [".TP", "\\fB{}\\fR".format(_roff(term)),
                        _roff(text)]
    out += [".SH SEE ALSO", "\\fBpip\\fR(1), \\fBapt\\fR(8), "
            "\\fBdpkg\\-query\\fR(1)"]
    return "\n".join(out) + "\n"


def bash(parser):
    options = sorted(o for a in parser._actions for o in a.option_strings)
    return """\
# bash completion for piwcheck; generated from its argument parser
_piwcheck()
{{
    local cur prev
    _init_completion || return
    case $prev in
        -r|--requirement|-c|--constraint)
            _filedir
            return
            ;;
        --python|--cert|--client-cert)
            _filedir
            return
            ;;
        --platform)
            COMPREPLY=($(compgen -W 'linux_armv7l linux_armv6l linux_aarch64' -- "$cur"))
            return
            ;;
        --abi)
            COMPREPLY=($(compgen -W 'cp37m cp39 cp311 cp313' -- "$cur"))
            return
            ;;
        --index-url|--timeout|--default-timeout|--retries|--proxy|--trusted-host|-j|--jobs)
            return
            ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '{}' -- "$cur"))
    fi
}} &&
    complete -F _piwcheck piwcheck
""".format(" ".join(options))


def main(argv):
    if argv not in (["man"], ["bash"]):
        sys.exit(__doc__.splitlines()[-1].strip())
    parser = build_parser()
    sys.stdout.write(man(parser) if argv == ["man"] else bash(parser))


if __name__ == "__main__":
    main(sys.argv[1:])
