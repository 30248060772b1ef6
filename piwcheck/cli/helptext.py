# SPDX-License-Identifier: BSD-3-Clause
"""--help's text around the options: the description above them and
the epilog below (exit status, environment, files, examples), also the
man page's (debian/gendocs.py)."""

DESCRIPTION = """\
Check, before pip install, which file pip would install from PyPI and
piwheels.org for this Raspberry Pi's Python, and which apt packages it
needs that are not installed."""

EPILOG = """\
exit status:
  0  ready: every package has a wheel and its apt packages are installed
  1  action needed: missing apt packages, no usable wheel, not found, or
     (--installed NAME) not installed
  2  usage or input error, requirements that conflict, or the output
     cannot be written
  3  an index unreachable, or it answered nonsense
  with --matrix, the worst cell's; --fail-on counts only the statuses
  it names (and errors)
  130, 143  interrupted (Ctrl-C), terminated (SIGTERM)

environment:
  PIWCHECK_PIWHEELS_URL  default for --piwheels-url
  PIP_CONFIG_FILE, PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_NO_INDEX,
  PIP_CERT, PIP_CLIENT_CERT, PIP_TRUSTED_HOST, PIP_PROXY, PIP_TIMEOUT,
  PIP_RETRIES, PIP_PRE, PIP_ONLY_BINARY, PIP_NO_BINARY, PIP_PREFER_BINARY
                      pip's own settings, read as pip reads them
  PIP_FIND_LINKS      pip's find-links locations, as pip reads them
  XDG_CACHE_HOME      where the cache goes (see --cache-dir)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE
                      proxies and CA certificates, as requests reads them
  DPKG_ADMINDIR       the dpkg database to read (as dpkg-query does)
  DEBUG=1             show a traceback instead of a one-line error

files:
  ~/.cache/piwcheck   the HTTP cache and parsed documents (see --cache-dir)

examples:
  piwcheck numpy  check numpy for this machine and its Python
  piwcheck 'pillow>=10' gpiozero  check requirements as pip takes them
  piwcheck -r requirements.txt  check a requirements file and what it needs
  piwcheck --extra gpio .  check this project's pyproject.toml, with an extra
  piwcheck --pi bookworm-32 numpy  check for a 32-bit Bookworm Pi from a PC
  piwcheck -q -r requirements.txt  print only the apt command and the problems
  piwcheck --json -o report.json numpy  write the JSON document to a file
  piwcheck --matrix --format markdown -r requirements.txt
                      every Raspberry Pi OS kind at once, as Markdown
"""
