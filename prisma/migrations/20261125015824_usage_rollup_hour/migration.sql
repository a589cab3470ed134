-- CreateTable
CREATE TABLE "UsageRollupHour" (
    "orgId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "model" TEXT NOT NULL,
    "apiKeyId" TEXT NOT NULL DEFAULT '',
    "requests" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" BIGINT NOT NULL DEFAULT 0,
    "completionTokens" BIGINT NOT NULL DEFAULT 0,
    "costPicoUsd" BIGINT NOT NULL DEFAULT 0,
    "ttftBuckets" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "latencyBuckets" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "durationMsSum" BIGINT NOT NULL DEFAULT 0,
    "ttftMsSum" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "UsageRollupHour_pkey" PRIMARY KEY ("orgId","hour","model","apiKeyId")
);

-- CreateIndex
CREATE INDEX "UsageRollupHour_hour_idx" ON "UsageRollupHour"("hour");
