#!/usr/bin/env bash
# Creates .venv with everything nines needs: `bash scripts/setup_venv.sh [extras]`.
# A CUDA build of torch already installed for the system Python is kept (the venv sees it);
# otherwise the CPU build torch==2.13.0 is installed, since a bare `torch` requirement would
# pull a CUDA build of several GB.
set -euo pipefail
extras="${1:-test,carla,ray}"
python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { echo "setup: Python 3.11 or newer is required (apt-get install python3.11)" >&2; exit 2; }

# A full disk otherwise surfaces as a pip traceback halfway through the install.
if [ ! -x .venv/bin/python ]; then
  free_mb=$(df -Pm . | awk 'NR == 2 {print $4}')
  [ "$free_mb" -ge 3000 ] || {
    echo "setup: only $free_mb MB free on this disk; the virtual environment and the tests need about 3,000 MB" >&2; exit 2; }
fi

if "$python" -c 'import torch, sys; sys.exit(0 if torch.version.cuda else 1)' 2>/dev/null; then
  echo "setup: keeping the system's CUDA torch"
  [ -x .venv/bin/python ] || "$python" -m venv --system-site-packages .venv
else
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -c 'import torch' 2>/dev/null || .venv/bin/pip install -q --no-cache-dir torch==2.13.0
fi
# no pip cache: it would keep a second copy of every download on the same disk
.venv/bin/pip install -q --no-cache-dir -e ".[$extras]"
# the tests drive a third-party driver installed the way a team would install theirs
if [[ ",$extras," == *",test,"* ]]; then
  .venv/bin/pip install -q --no-cache-dir -e examples/own_driver
fi

# the dashboard's browser test drives Debian's chromium through chromedriver
if [[ ",$extras," == *",test,"* ]] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null \
      || echo "setup: could not install chromium; the dashboard's browser test will try again" >&2
  else
    echo "setup: chromium and chromium-driver are missing (apt-get install chromium chromium-driver)" >&2
  fi
fi
