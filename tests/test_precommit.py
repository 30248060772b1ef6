# SPDX-License-Identifier: BSD-3-Clause
"""The pre-commit hook's entry and args (read from .pre-commit-hooks.yaml)
on a sample project against the test servers (test_docs runs the
README's GitHub Actions command with the helpers here)."""

import configparser
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOOKS = os.path.join(ROOT, ".pre-commit-hooks.yaml")

needs_source = pytest.mark.skipif(not os.path.exists(HOOKS),
                                  reason="not in a source tree")


def _hook():
    """The hook's keys, from the small YAML file (a list of one mapping
    of scalars and flow lists)."""
    hook = {}
    with open(HOOKS) as f:
        for line in f:
            m = re.match(r"^[- ] (\w+): (.*)$", line.rstrip("\n"))
            if m:
                value = m.group(2)
                if value.startswith("["):
                    value = [v.strip() for v in value[1:-1].split(",")]
                hook[m.group(1)] = value
    return hook


def _console_script(name):
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    scripts = dict(line.split(" = ") for line in cfg.get(
        "options.entry_points", "console_scripts").strip().splitlines())
    module, func = scripts[name].split(":")
    return [sys.executable, "-c", "import sys; from {} import {}; "
            "sys.exit({}())".format(module, func, func)]


SAMPLE = {"requirements.txt": "numpy\nRPi.GPIO\n",
          "pyproject.toml": '[project]\nname = "sample"\nversion = "1"\n'
                            'dependencies = ["pillow", "gpiozero"]\n',
          "setup.py": "", "README.md": ""}


def _sample(tmp_path):
    for name, text in SAMPLE.items():
        (tmp_path / name).write_text(text)
    return sorted(SAMPLE)


def _fakes(server, pypi):
    return ["--isolated", "--no-cache", "--piwheels-url", server.url,
            "--index-url", pypi.index, "--extra-index-url", server.index]


def _env():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    env.pop("PIP_CONFIG_FILE", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def _direct(tmp_path, args):
    return subprocess.run([sys.executable, "-m", "piwcheck"] + args,
                          cwd=str(tmp_path), capture_output=True, text=True,
                          env=_env(), timeout=300)


@needs_source
def test_pre_commit_hook(tmp_path, server, pypi):
    hook = _hook()
    assert hook["id"] == "piwcheck" and hook["language"] == "python"
    files = [f for f in _sample(tmp_path)
             if re.search(hook["files"], f)]
    assert files == ["pyproject.toml", "requirements.txt"]
    for name in ("sub/requirements-dev.txt", "requirements/base.txt",
                 "pylock.toml", "pylock.dev.toml"):
        assert re.search(hook["files"], name), name
    args = hook["args"]
    assert args[-1] == "--" and "--matrix" in args
    args = _fakes(server, pypi) + args
    proc = subprocess.run(_console_script(hook["entry"]) + args + files,
                          cwd=str(tmp_path), capture_output=True, text=True,
                          env=_env(), timeout=300)
    direct = _direct(tmp_path, args[:-1] + ["-r", "pyproject.toml", "-r",
                                            "requirements.txt"])
    assert proc.returncode == direct.returncode == 1, proc.stderr
    assert proc.stdout == direct.stdout
    for name in ("numpy", "rpi-gpio", "pillow", "gpiozero"):
        assert name in proc.stdout.lower()
