#!/usr/bin/env bash
# Copy the front-end libraries the templates use out of node_modules into build/vendor
# (ignored by git; served as /static/vendor/).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/vendor
rm -rf "$out"
mkdir -p "$out/bootstrap" "$out/bootstrap-icons" "$out/htmx" "$out/sortablejs" "$out/chartjs"
cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map "$out/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map "$out/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$out/bootstrap-icons/"
cp -r node_modules/bootstrap-icons/font/fonts "$out/bootstrap-icons/"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/sortablejs/Sortable.min.js "$out/sortablejs/"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chartjs/"
echo "assets: $(find "$out" -type f | wc -l) files in $out"
