#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly with the tslab kernel and
# fails on the first cell that errors. Needs the workspace built (pnpm build),
# Debian's Jupyter (jupyter-nbconvert python3-nbclient python3-ipykernel
# jupyter-client) and tslab; installs what is missing when run as root.
# Executed copies go to notebooks/.executed/ (git-ignored); the sources stay clean.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v jupyter >/dev/null || ! python3 -c "import nbclient, ipykernel" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
      jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client >/dev/null
  else
    echo "notebooks: Jupyter is missing; install Debian's jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client" >&2
    exit 1
  fi
fi
if ! command -v tslab >/dev/null; then
  npm install -g --no-fund --no-audit tslab@1.0.22 >/dev/null
fi
if ! jupyter kernelspec list 2>/dev/null | grep -q '^\s*tslab\s'; then
  tslab install --python=/usr/bin/python3 >/dev/null
fi

mkdir -p .executed
status=0
for nb in *.ipynb; do
  [ -e "$nb" ] || continue
  echo "notebooks: executing $nb" >&2
  start=$(date +%s)
  if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=tslab \
      --ExecutePreprocessor.timeout=600 --output-dir .executed "$nb" >.executed/"${nb%.ipynb}".log 2>&1; then
    echo "notebooks: $nb ok ($(( $(date +%s) - start )) s)" >&2
  else
    echo "notebooks: $nb FAILED" >&2
    grep -v "Debugger\|frozen modules\|PYDEVD\|Debugging will proceed" .executed/"${nb%.ipynb}".log | tail -40 >&2
    status=1
  fi
done
exit $status
