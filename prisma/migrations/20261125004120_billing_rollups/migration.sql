-- AlterTable
ALTER TABLE "MeterSync" ADD COLUMN     "nextAttemptAt" TIMESTAMP(3),
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "UsageEvent" ADD COLUMN     "ingestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "UsageRollup" ADD COLUMN     "durationMsSum" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "ttftMsSum" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "BillingReconciliation" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "meter" TEXT NOT NULL,
    "periodStart" TIMESTAMP(3) NOT NULL,
    "periodEnd" TIMESTAMP(3) NOT NULL,
    "ours" BIGINT NOT NULL,
    "stripe" BIGINT,
    "status" TEXT NOT NULL,
    "detail" TEXT,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BillingReconciliation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobCursor" (
    "name" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobCursor_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "BillingReconciliation_orgId_checkedAt_idx" ON "BillingReconciliation"("orgId", "checkedAt");

-- CreateIndex
CREATE INDEX "UsageEvent_ingestedAt_idx" ON "UsageEvent"("ingestedAt");
