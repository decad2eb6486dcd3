#!/bin/sh
# Prints the path of a working Python 3.12 (Lambda's runtime here), or nothing: `python3.12` on PATH,
# else pyenv's, else a pyenv install under ~/.pyenv. A pyenv shim that is not enabled does not count.
for candidate in "$PY312" "$(command -v python3.12 2>/dev/null)" \
    "$(pyenv prefix 3.12 2>/dev/null)/bin/python3.12" \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 2>/dev/null | sort -r); do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && \
     "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
exit 1
