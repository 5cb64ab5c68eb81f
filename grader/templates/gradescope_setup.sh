#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image: it installs Python 3.11+
# and this grader (from grader-src/ in the autograder zip) into /autograder/venv.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # Ubuntu 22.04 images ship Python 3.10; 3.11 is in its universe repository.
    apt-get install -y -q python3.11 python3.11-venv
    PY=python3.11
fi
"$PY" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install -q --disable-pip-version-check /autograder/source/grader-src
/autograder/venv/bin/grader --version
