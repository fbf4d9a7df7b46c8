#!/usr/bin/env bash
# The project's single test command: idempotent setup, then `npm test` (build, then `vitest run`).
# Extra arguments go to vitest, e.g. `scripts/test.sh test/test-camera.test.ts -t freeze`.
# Exit code is vitest's (or the setup/build failure's).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec npm test -- "$@"
