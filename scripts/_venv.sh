# Shared by the set-up scripts: create .venv once and install the project into it.
# Usage: . scripts/_venv.sh [extra]   (extra: e.g. "test")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv ..."
  python3 -m venv "$venv"
fi
spec="."
[ -n "${1:-}" ] && spec=".[$1]"
# Reinstall only when the project's metadata changed since the last install.
stamp="$venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${1:-base}"
if [ ! -f "$stamp" ]; then
  echo "Installing dossier ($spec) into .venv ..."
  log="$venv/install.log"
  # pip's and setuptools' chatter goes to a log, shown only if the install fails.
  if ! { "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
         && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"; } \
       >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: installing dossier into .venv failed (log: $log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
