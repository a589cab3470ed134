import { type TPlanOptions, planTarget } from "../plan";
import type { TAIDeployment, TPlatform } from "../spec";
import { renderAci } from "./aci";
import { renderCloudRun } from "./cloudrun";
import { renderCompose } from "./compose";
import { renderEcs } from "./ecs";
import { renderKubernetes } from "./kubernetes";
import { renderNomad } from "./nomad";
import type { TRenderedTarget, TRenderer, TRenderOptions } from "./types";

export { aciGroup, renderAci } from "./aci";
export { cloudRunService, renderCloudRun } from "./cloudrun";
export { composeProject, engineApiBody, renderCompose } from "./compose";
export { ecsService, ecsTaskDefinition, renderEcs } from "./ecs";
export { renderKubernetes } from "./kubernetes";
export { nomadJob, renderNomad } from "./nomad";
export * from "./types";

const RENDERERS: Record<TPlatform, TRenderer> = {
  kubernetes: renderKubernetes,
  "docker-compose": renderCompose,
  docker: renderCompose,
  nomad: renderNomad,
  "aws-ecs": renderEcs,
  "cloud-run": renderCloudRun,
  "azure-aci": renderAci,
};

/** Renders every target (or the named ones). Pure: returns file contents, writes nothing. */
export function renderDeployment(
  spec: TAIDeployment,
  opts: TRenderOptions & TPlanOptions & { targets?: string[] } = {},
): TRenderedTarget[] {
  const wanted = opts.targets;
  return spec.spec.targets
    .filter((t) => !wanted || wanted.includes(t.name))
    .map((t) => {
      const plan = planTarget(spec, t, opts);
      return {
        target: t.name,
        platform: t.platform,
        files: RENDERERS[t.platform](plan, opts),
        warnings: plan.warnings,
      };
    });
}

/** Every rendered file as `<target>/<path>`, for a download bundle (dashboard, API). */
export function flattenRendered(rendered: TRenderedTarget[]): { path: string; content: string }[] {
  return rendered.flatMap((r) => r.files.map((f) => ({ path: `${r.target}/${f.path}`, content: f.content })));
}
