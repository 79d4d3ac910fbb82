#!/usr/bin/env bash
# Creates bench/.venv-peer for the peer tracker (idempotent).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/../.venv-peer"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
python3.11 -m venv "$venv"
"$venv/bin/python" -m pip install -q -U pip
"$venv/bin/pip" install -q -r "$here/requirements.txt"
echo "$want" > "$stamp"
