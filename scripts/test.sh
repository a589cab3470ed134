#!/usr/bin/env bash
# Runs every test: lint, types, unit, integration (real Postgres, Redis, dockerd) and Playwright e2e
# against a real stack in Chromium. Starts what it needs the same way `npm run up` does.
# Ends with one line "N passed, N failed" over all suites.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

load_env
ensure_node_modules
ensure_postgres
ensure_redis
ensure_docker
ensure_chromium
ensure_busybox

RESULTS="$ROOT/.aitk/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
failed_steps=()
step() {
  local name="$1"; shift
  say "── $name"
  local t0=$SECONDS
  if "$@"; then say "   $name ok ($((SECONDS - t0)) s)"; else failed_steps+=("$name"); warn "   $name FAILED ($((SECONDS - t0)) s)"; fi
}

step "prisma generate" npm run -s generate -w @aitk/db
step "lint (biome)" npx biome ci --reporter=summary .
step "typecheck" npm run -s typecheck
step "unit + integration tests (vitest)" npx vitest run --reporter=default --reporter=json --outputFile="$RESULTS/vitest.json"

e2e() {
  # The e2e stack is separate from a developer's `npm run up` stack: own ports, database, Redis db, state dir.
  (
    export AITK_STATE="$ROOT/.aitk/e2e" WEB_PORT=3310 GATEWAY_PORT=4310 ENGINE_PORT=4410 STRIPE_EMULATOR_PORT=12411
    export DATABASE_URL="postgresql://postgres:postgres@127.0.0.1:5432/aitk_e2e" REDIS_URL="redis://127.0.0.1:6379/2"
    export NEXTAUTH_URL="http://127.0.0.1:3310" GATEWAY_PUBLIC_URL="http://127.0.0.1:4310" AITK_QUEUE_PREFIX=aitk-e2e
    export AITK_WEB_URL="$NEXTAUTH_URL" PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS/playwright.json"
    bash scripts/up.sh || exit 1
    rc=0
    # The CLI end to end against the real stack: login, simulate, build, deploy, status, logs.
    AITK_E2E_DEMO="$AITK_STATE/demo.json" npx vitest run --project integration test/e2e/cli.test.ts \
      --reporter=default --reporter=json --outputFile="$RESULTS/vitest-cli.json" || rc=1
    npx playwright test -c playwright/playwright.config.ts --reporter=list,json || rc=1
    bash scripts/down.sh >/dev/null
    exit $rc
  )
}
step "end-to-end (Playwright + Chromium)" e2e

node scripts/test-summary.mjs "$RESULTS" "${#failed_steps[@]}"
if [ ${#failed_steps[@]} -gt 0 ]; then
  warn "failed: ${failed_steps[*]}"
  exit 1
fi
