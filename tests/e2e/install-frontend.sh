#!/usr/bin/env bash
# Installs the pinned ComfyUI frontend builds that the end-to-end tests run against, each
# into its own folder tests/e2e/.frontend/<version>/ (git-ignored), straight from PyPI's
# comfyui-frontend-package wheel. With arguments, installs only those versions.
# A version whose static/index.html is already there is skipped.
set -euo pipefail
cd "$(dirname "$0")"

if (($#)); then VERSIONS=("$@"); else VERSIONS=(1.58.1 1.27.10); fi

for version in "${VERSIONS[@]}"; do
  target=".frontend/$version"
  if [[ -f "$target/comfyui_frontend_package/static/index.html" ]]; then
    continue
  fi
  rm -rf "$target"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-deps \
    --target "$target" "comfyui-frontend-package==$version"
done
