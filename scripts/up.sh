#!/usr/bin/env bash
# Brings the whole aitk stack up with demo data: dependencies, Postgres, Redis, Docker engine,
# migrations, demo organisation, builds, then web + worker + gateway + embedded engine.
# Safe to run again: it reuses what is there and restarts the apps.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

command -v node >/dev/null || die "Node.js 20+ is required (https://nodejs.org) — install it and re-run"
load_env
ensure_node_modules
ensure_postgres
ensure_redis
ensure_docker

say "generating the Prisma client and applying migrations"
npm run -s generate -w @aitk/db >"$AITK_DIR/logs/generate.log" 2>&1 || { cat "$AITK_DIR/logs/generate.log"; die "prisma generate failed"; }
npm run -s migrate -w @aitk/db -- deploy || die "migrations failed"

bash scripts/build.sh
# The embedded engine as a local container image (FROM scratch, nothing pulled), so the demo can deploy it.
if docker info >/dev/null 2>&1; then
  say "building the engine image (reused when unchanged)"
  npx tsx scripts/build-engine-image.ts --quiet >"$AITK_DIR/logs/engine-image.log" 2>&1 ||
    warn "the engine image did not build (see $AITK_DIR/logs/engine-image.log); deployments of it will fail"
fi

# With no Stripe account configured, the demo bills against the bundled Stripe emulator.
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  export STRIPE_EMULATOR_PORT="${STRIPE_EMULATOR_PORT:-12111}"
  export STRIPE_SECRET_KEY=sk_test_aitk_demo STRIPE_WEBHOOK_SECRET=whsec_aitk_demo
  export STRIPE_API_BASE="http://127.0.0.1:$STRIPE_EMULATOR_PORT"
  say "no STRIPE_SECRET_KEY: starting the Stripe emulator on $STRIPE_API_BASE"
  STRIPE_WEBHOOK_URL="http://127.0.0.1:$WEB_PORT/api/stripe/webhook" STRIPE_EMULATOR_STATE="$AITK_DIR/stripe-emulator.json" \
    start_bg stripe node apps/stripe-emulator/dist/main.js
  wait_http "$STRIPE_API_BASE/health" stripe 30 || die "the Stripe emulator did not start"
fi

say "seeding the demo organisation"
npx tsx scripts/seed-demo.ts || die "seeding failed"

say "starting the embedded engine, gateway, worker and web"
start_bg engine node apps/gateway/dist/engine.js
start_bg gateway node --max-semi-space-size=32 --min-semi-space-size=32 apps/gateway/dist/main.js
start_bg worker node apps/worker/dist/main.js
start_bg web node node_modules/next/dist/bin/next start apps/web -p "$WEB_PORT" -H 127.0.0.1

ok=1
wait_http "http://127.0.0.1:$ENGINE_PORT/health" engine || ok=0
wait_http "http://127.0.0.1:$GATEWAY_PORT/health" gateway || ok=0
wait_http "http://127.0.0.1:$WEB_PORT/api/health" web || ok=0
[ "$ok" = 1 ] || die "some services did not start (logs in .aitk/logs/)"
wait_http "http://127.0.0.1:$ENGINE_PORT/ready" engine 60 || warn "the engine has not loaded its model yet"

node -e '
const d = require(process.argv[1]);
console.log(`
  aitk is up.
    Dashboard   ${d.dashboardUrl}   (login ${d.email} / ${d.password})
    REST API    ${d.apiUrl}
    Gateway     ${d.gatewayUrl}/v1   (OpenAI-compatible; model "aitk-tiny")
    API key     ${d.apiKey}
  Try it:
    curl ${d.gatewayUrl}/v1/chat/completions -H "Authorization: Bearer ${d.apiKey}" \\
      -H "Content-Type: application/json" \\
      -d '"'"'{"model":"aitk-tiny","messages":[{"role":"user","content":"Hello"}],"max_tokens":32,"stream":true}'"'"'
  Connection details: .aitk/demo.json    Logs: .aitk/logs/    Stop: npm run down
`)' "$AITK_DIR/demo.json"
