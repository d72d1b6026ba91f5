# Sourced by scripts/run and scripts/test: a project virtualenv with the given requirements file.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQUIREMENTS="$1"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Reinstall only when the requirements changed since the last install.
STAMP=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$REQUIREMENTS")"
if [ ! -f "$STAMP" ]; then
  # pip speaks for itself: the first install takes a while (about 40 s on 2 cores and a good
  # network), and a silent terminal looks hung.
  echo "Installing $REQUIREMENTS into .venv/ (first run, or the requirements changed)..." >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --progress-bar on -r "$REQUIREMENTS"
  touch "$STAMP"
  echo "Installed." >&2
fi
export PATH="$ROOT/.venv/bin:$PATH"
