-- CreateTable
CREATE TABLE "UsageRollup5m" (
    "orgId" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
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

    CONSTRAINT "UsageRollup5m_pkey" PRIMARY KEY ("orgId","bucket","model","apiKeyId")
);

-- CreateIndex
CREATE INDEX "UsageRollup5m_bucket_idx" ON "UsageRollup5m"("bucket");
