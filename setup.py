# SPDX-License-Identifier: BSD-3-Clause
"""Metadata lives in setup.cfg; the version in piwcheck/__init__.py."""

from setuptools import setup

setup()
