#!/usr/bin/env bash
# Regenerate the R GSVA reference data: inputs (Python) then outputs (R/GSVA).
#   bash tests/data/gsva/regenerate.sh [scenario ...]      # default: demo gisby edge many
# Needs: python with numpy/pandas (the project's environment) and Rscript with GSVA 1.46
# (Debian 12: apt-get install -y --no-install-recommends r-bioc-gsva). Exits non-zero on
# the first failure, and when GSVA is not 1.46.x (set GSVA_ANY_VERSION=1 to allow others).
#
# The inputs are rebuilt from resources/ (demo, Gisby, and the MSigDB Hallmark GMT from
# resources/genesets/ or ../shared/reference/genesets/). If a source is missing, that
# scenario's committed inputs are reused (make_inputs.py --if-available says so).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
cd "$REPO"

SCENARIOS=("$@")
if [ "${#SCENARIOS[@]}" -eq 0 ]; then
    SCENARIOS=(demo gisby edge many)
fi

command -v Rscript >/dev/null || { echo "Rscript not found" >&2; exit 1; }
GSVA_VERSION="$(Rscript -e 'suppressPackageStartupMessages(library(GSVA)); cat(as.character(packageVersion("GSVA")))')" \
    || { echo "R package GSVA is required (apt-get install r-bioc-gsva)" >&2; exit 1; }
echo "GSVA $GSVA_VERSION"
case "$GSVA_VERSION" in
    1.46.*) ;;
    *) if [ "${GSVA_ANY_VERSION:-0}" != "1" ]; then
           echo "GSVA $GSVA_VERSION is not the reference version 1.46.x" >&2; exit 1
       fi ;;
esac

start=$(date +%s)
python3 tests/data/gsva/make_inputs.py --if-available "${SCENARIOS[@]}"
Rscript tests/data/gsva/make_fixtures.R --pnorm-table tests/data/gsva/pnorm_table.txt
for s in "${SCENARIOS[@]}"; do
    d="tests/data/gsva/$s"
    # Remove previous outputs so that nothing stale survives.
    rm -f "$d"/r_*.tsv "$d/versions.txt"
    case "$s" in
        edge|gisby) Rscript tests/data/gsva/make_fixtures.R "$d" --density ;;
        *) Rscript tests/data/gsva/make_fixtures.R "$d" ;;
    esac
done
echo "done in $(( $(date +%s) - start )) s; size: $(du -sh tests/data/gsva | cut -f1)"
