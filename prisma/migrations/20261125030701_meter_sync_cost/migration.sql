-- AlterTable
ALTER TABLE "MeterSync" ADD COLUMN     "costPicoUsd" BIGINT;
