#!/usr/bin/env bash
# Regenerates data/reference/geo/ from the shared source data.
#
#   tools/refdata/derive_geo.sh [SOURCE_DIR] [--out OUT_DIR]
#
# SOURCE_DIR defaults to ../shared/data/geo relative to the repository root.
# Needs python3 (3.11+) and node/npx; shapely is installed into tools/refdata/.venv on first
# use, mapshaper is fetched by npx at the version pinned in derive_geo.py.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if ! "$venv/bin/python" -c 'import shapely' 2>/dev/null; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

exec "$venv/bin/python" "$here/derive_geo.py" "$@"
