#!/usr/bin/env bash
# Installs everything the generator and its tests need, then builds the bundled sample archive.
# Safe to run again. Needs Python 3.11+, and for the tests Node.js/npm and Java (the Nu Html Checker)
# and Debian's chromium (installed here with apt-get when missing; never a browser download).
set -euo pipefail
cd "$(dirname "$0")"

python3 -m pip install --quiet --disable-pip-version-check -e '.[test,fast]'
# compiled ahead, as pip does for a regular install: an editable one leaves it to the first run, and
# where PYTHONDONTWRITEBYTECODE is set every build would compile the generator anew (0.05 s a build)
python3 -m compileall -q generator >/dev/null

if command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund >/dev/null
else
  echo "warning: npm not found; the HTML validity test needs the Nu Html Checker (npm vnu-jar)" >&2
fi

if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  else
    echo "warning: /usr/bin/chromium is missing; install Debian's chromium for the browser tests" >&2
  fi
fi

python3 build.py build
