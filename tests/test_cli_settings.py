# SPDX-License-Identifier: BSD-3-Clause
"""The command line's settings without running a mode: which options
combine, the format chosen from the report registry, pip's options in
their layers, and the places pip looks as make_indexes reads them."""

import dataclasses

import pytest

from piwcheck import indexes
from piwcheck.cli import build_parser
from piwcheck.cli.pipopts import pip_options, sources
from piwcheck.cli.settings import (CHECK, INSTALLED, STATS, Settings,
                                   UsageError)
from piwcheck.errors import InputError
from piwcheck.inputs import FileOptions
from piwcheck.report import DEFAULT, FORMATS


def settings(*argv):
    return Settings.from_args(build_parser().parse_args(list(argv)))


def test_settings_are_frozen():
    s = settings("numpy")
    assert s.mode == CHECK and s.requirements == ("numpy",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.quiet = True


@pytest.mark.parametrize("argv, message", [
    (("-q", "-v", "x"), "contradict"),
    (("--json", "--tree", "x"), "choose one of"),
    (("--summary", "-q", "x"), "choose one of"),
    (("--tree", "--no-deps", "x"), "--tree shows dependencies"),
    (("-j", "0", "x"), "--jobs: give 1 to 64"),
    (("--stats",), "--stats takes project names"),
    (("--stats", "--installed", "x"), "--stats takes project names"),
    (("--installed", "--pi", "bookworm-32"), "checked for this machine"),
])
def test_options_that_do_not_combine(argv, message):
    with pytest.raises(UsageError, match=message):
        settings(*argv)


def test_the_formats_exclusive_options_come_from_the_registry():
    """Each format of the registry is --format's choice; those with an
    option of their own (--json, --summary, --tree) exclude each other."""
    from piwcheck.cli import build_parser

    parser_options = {o for a in build_parser()._actions
                      for o in a.option_strings}
    with pytest.raises(UsageError) as exc:
        settings("--json", "--summary", "x")
    options = sorted("--" + name for name in FORMATS if name != DEFAULT
                     and "--" + name in parser_options)
    assert options == ["--json", "--summary", "--tree"]
    assert str(exc.value) == "choose one of {} and -q/--quiet".format(
        ", ".join(options))
    assert settings("x").format == DEFAULT
    for name in FORMATS:
        if "--" + name in options:
            assert settings("--" + name, "x").report_format is \
                FORMATS[name]
    for name in ("text", "json", "markdown"):
        assert settings("--format", name, "x").report_format is \
            FORMATS[name]


def test_modes(tmp_path):
    wheel = tmp_path / "x-1-py3-none-any.whl"
    wheel.write_bytes(b"")
    assert settings("--stats", "numpy").mode == STATS
    assert settings("--installed").mode == INSTALLED
    s = settings(str(wheel))
    assert s.mode == INSTALLED and s.wheels == (str(wheel),)
    with pytest.raises(UsageError, match="wheel files on their own"):
        settings(str(wheel), "numpy")


def test_rules_applied_when_their_object_is_made():
    s = settings("--python", "/usr/bin/python3", "--pi", "bookworm-32", "x")
    with pytest.raises(UsageError, match="--python cannot be combined"):
        s.target()
    s = settings("--offline", "--no-cache", "x")
    with pytest.raises(UsageError, match="--offline needs the cache"):
        s.cache()
    assert settings("--no-cache", "x").cache() is None
    assert settings("--cache-dir", "/c", "x").cache() == "/c"


def test_the_piwheels_site_normalised_once():
    s = settings("--piwheels-url", "https://piw.example/simple/", "x")
    assert s.piwheels_site == "https://piw.example"
    assert "piwheels_site" in vars(s)  # computed once, then kept
    with pytest.raises(InputError, match="--piwheels-url"):
        settings("--piwheels-url", "ftp://x", "x").piwheels_site


def test_pip_options_layers(monkeypatch, tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://conf.example/simple\n"
                    "extra-index-url = https://extra.example/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    s = settings("--extra-index-url", "https://cli.example/simple",
                 "--only-binary", ":all:", "x")
    opts = pip_options(s, FileOptions())
    assert opts.index_urls == ["https://conf.example/simple",
                               "https://extra.example/simple",
                               "https://cli.example/simple"]
    assert opts.only_binary == {":all:"}
    # the files' --index-url comes last, and drops the extra indexes
    later = FileOptions(index_url="https://file.example/simple",
                        formats=[("no-binary", ":all:")], pre=True)
    opts = pip_options(s, later)
    assert opts.index_urls == ["https://file.example/simple"]
    assert opts.no_binary == {":all:"} and not opts.only_binary
    assert opts.pre
    # a described target starts from Raspberry Pi OS's pip.conf
    s = settings("--pi", "bookworm-32", "--piwheels-url",
                 "https://piw.example", "x")
    assert pip_options(s, FileOptions()).index_urls == [
        "https://pypi.org/simple", "https://piw.example/simple"]


def test_make_indexes_reads_the_settings_sources(monkeypatch):
    s = settings("--pi", "bookworm-32", "--piwheels-url",
                 "https://piw.example", "x")
    where = sources(s, pip_options(s, FileOptions()))
    assert where.locations == (("index-url", "https://pypi.org/simple"),
                               ("index-url", "https://piw.example/simple"))
    found, skipped = indexes.make_indexes(where, transport=None)
    assert [ix.label for ix in found] == ["PyPI", "piwheels"]
    assert skipped == []

    class FindLinks(indexes.Index):  # another option's kind: a module
        option = "find-links"        # of indexes/ and a line in KINDS

        @classmethod
        def claims(cls, url, piwheels_site):
            return True

        @classmethod
        def from_url(cls, url, piwheels_site, transport):
            return cls(url)
    monkeypatch.setattr(indexes, "kinds", lambda option=None: [FindLinks])
    more = dataclasses.replace(where, locations=where.locations + (
        ("find-links", "https://links.example/"),))
    found, skipped = indexes.make_indexes(more, transport=None)
    assert [type(ix) for ix in found] == [FindLinks]
    assert skipped == ["https://pypi.org/simple",
                       "https://piw.example/simple"]
