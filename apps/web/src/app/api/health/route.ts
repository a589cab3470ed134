import { getDeps } from "../../../server/deps";

export const dynamic = "force-dynamic";

/** Liveness + dependencies: 200 when Postgres and Redis answer, 503 (naming the failing one) otherwise. */
export async function GET() {
  const deps = getDeps();
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), 2000))]);
      return "ok";
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  };
  const [db, redis] = await Promise.all([
    check(() => deps.prisma.$queryRaw`SELECT 1`),
    check(() => deps.redis.ping()),
  ]);
  const ok = db === "ok" && redis === "ok";
  return Response.json({ ok, db, redis }, { status: ok ? 200 : 503 });
}
