#!/usr/bin/env bash
# Build the documentation site with antsibull-docs and Sphinx into .build/docsite/build/html,
# and fail on any Sphinx warning except those that only mean "no internet here": the
# intersphinx inventories of docs.ansible.com, and the labels that live in them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.venv/bin"
site="$root/.build/docsite"
# Sphinx colours its log when CI=true is set (as on CI), which hides the lines from the
# filter below; NO_COLOR wins over CI and FORCE_COLOR.
export PATH="$bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$root/.build/ns" NO_COLOR=1
mkdir -p "$root/.build/ns/ansible_collections/seed"
ln -sfn "$root" "$root/.build/ns/ansible_collections/seed/openai"

antsibull-docs lint-collection-docs --plugin-docs "$root"
rm -rf "$site" && mkdir -p "$site"
antsibull-docs sphinx-init --use-current --dest-dir "$site" --fail-on-error --title "seed.openai" seed.openai >/dev/null
# build.sh turns warnings into errors; this machine's lack of internet makes some, so
# drop -W there and judge the warnings below instead.
sed -i 's/ -W --keep-going//' "$site/build.sh"
log="$site/build.log"
(cd "$site" && ./build.sh) >"$log" 2>&1 || { tail -30 "$log"; exit 1; }
unexpected=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -i "warning" \
  | grep -v "failed to reach any of the inventories" \
  | grep -v "intersphinx" \
  | grep -v -E "^build (succeeded|finished)" \
  | grep -v -E "undefined label: '(ansible_configuration_settings|common_return_values|action_plugins)'" || true)
if [ -n "$unexpected" ]; then
  echo "Sphinx warnings:"; echo "$unexpected"; exit 1
fi
pages=$(find "$site/build/html/collections/seed/openai" -name "*_module.html" | wc -l)
echo "docs: $pages module pages and the guides in $site/build/html"
