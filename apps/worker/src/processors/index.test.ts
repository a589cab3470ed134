import { jobDefinitions } from "@aitk/core/jobs/definitions";
import { describe, expect, it } from "vitest";
import type { TProcessor } from "../processor";
import { processors } from "./index";

describe("processor registry", () => {
  it("maps each kind to a module whose processor is defined for that kind", async () => {
    for (const [kind, load] of Object.entries(processors)) {
      expect(Object.hasOwn(jobDefinitions, kind)).toBe(true);
      const mod = (await (load as () => Promise<{ default: TProcessor }>)()).default;
      expect(mod.name).toBe(kind);
      expect(typeof mod.handler).toBe("function");
    }
  });
});
