#!/usr/bin/env bash
# Regenerate the limma reference data: inputs (Python) then outputs (R/limma).
#   bash tests/data/limma/regenerate.sh [scenario ...]
# Needs: python with numpy/pandas (the project's environment), Rscript with limma and
# statmod (Debian 12: apt-get install -y --no-install-recommends r-base-core
# r-bioc-limma r-cran-statmod). Exits non-zero on the first failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
cd "$REPO"

SCENARIOS=("$@")
if [ "${#SCENARIOS[@]}" -eq 0 ]; then
    SCENARIOS=(gisby demo demo_missing small_paired)
fi

command -v Rscript >/dev/null || { echo "Rscript not found" >&2; exit 1; }
Rscript -e 'suppressPackageStartupMessages({library(limma); library(statmod)})' \
    || { echo "R packages limma and statmod are required" >&2; exit 1; }

start=$(date +%s)
python3 tests/data/limma/make_inputs.py "${SCENARIOS[@]}"
for s in "${SCENARIOS[@]}"; do
    d="tests/data/limma/$s"
    # Remove previous outputs so that nothing stale survives.
    rm -rf "$d/default" "$d/trend" "$d/robust" "$d/trend_robust" "$d/treat"
    Rscript tests/data/limma/run_limma.R "$d"
done
echo "done in $(( $(date +%s) - start )) s; size: $(du -sh tests/data/limma | cut -f1)"
