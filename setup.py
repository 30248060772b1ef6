# SPDX-License-Identifier: BSD-3-Clause
"""All metadata lives in setup.cfg."""

from setuptools import setup

setup()
