// Build.options as stored on the Build row (CLI flags / dashboard form) and read by the build worker.
import { z } from "zod";
import { OPTIMIZE_VALUES, QUANTIZE_VALUES } from "./vocabulary";

/** Inline build-context paths: relative, no `..`, no empty segments. */
export const isContextPath = (p: string) =>
  p.length > 0 &&
  p.length <= 255 &&
  !p.startsWith("/") &&
  !p.split("/").some((s) => s === ".." || s === "" || s === ".");

export const MAX_CONTEXT_BYTES = 32 * 1024 * 1024;

export const ZBuildOptions = z
  .object({
    cuda: z
      .string()
      .regex(/^\d{2}\.\d{1,2}(?:\.\d{1,2})?$/, "cuda is a CUDA version like 12.4")
      .optional(),
    quantize: z.enum(QUANTIZE_VALUES).optional(),
    optimize: z.enum(OPTIMIZE_VALUES).optional(),
    allowExperimental: z.boolean().optional(),
    securityScan: z.boolean().optional(),
    /** Network of RUN steps: `host` (default, the only one that works on bridge-less engines) or `none`. */
    network: z.enum(["host", "none", "default"]).optional(),
    buildArgs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
    /**
     * How build args are stored on a Build: encrypted at rest (AES-256-GCM, AITK_SECRET_KEY), since they
     * often carry tokens (HF_TOKEN). Only their names are kept in clear, for display and audit.
     */
    buildArgsEnc: z.string().optional(),
    buildArgNames: z.array(z.string()).optional(),
    /** Inline build-context files (path → base64), small: model weights normally come from MODEL. */
    contextFiles: z
      .record(z.string(), z.string())
      .superRefine((files, ctx) => {
        for (const p of Object.keys(files)) {
          if (!isContextPath(p))
            ctx.addIssue({ code: "custom", path: [p], message: "context paths are relative, without '..'" });
        }
      })
      .optional()
      .refine(
        (files) =>
          !files ||
          Object.values(files).reduce((n, b64) => n + Math.floor((b64.length * 3) / 4), 0) <=
            MAX_CONTEXT_BYTES,
        `context files exceed ${MAX_CONTEXT_BYTES / 1024 / 1024} MiB`,
      ),
  })
  .strict();

export type TBuildOptions = z.infer<typeof ZBuildOptions>;
