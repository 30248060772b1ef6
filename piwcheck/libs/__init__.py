# SPDX-License-Identifier: BSD-3-Clause
"""After the install: what compiled files need from the system.  ELF
reading (elf), where ld.so finds a soname (loader), the machine the
files must run on (machine), an installed environment or a wheel file
checked (installed), which Debian package provides a library (naming),
a chosen wheel downloaded and checked (deep), and the --installed /
wheel-file run put together (environment)."""
