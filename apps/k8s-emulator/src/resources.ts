// The API resources the emulator serves, as discovery reports them, and schema validation through
// kubernetes-models (the same models aitk's renderer tests validate against).

export type TResource = {
  group: string;
  version: string;
  kind: string;
  name: string;
  singularName: string;
  namespaced: boolean;
  /** kubernetes-models module path, for validation. */
  model: string;
};

const r = (group: string, version: string, kind: string, name: string, namespaced = true): TResource => ({
  group,
  version,
  kind,
  name,
  singularName: kind.toLowerCase(),
  namespaced,
  model: `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`,
});

export const RESOURCES: TResource[] = [
  r("", "v1", "Namespace", "namespaces", false),
  r("", "v1", "Service", "services"),
  r("", "v1", "ConfigMap", "configmaps"),
  r("", "v1", "Secret", "secrets"),
  r("", "v1", "Pod", "pods"),
  r("", "v1", "ServiceAccount", "serviceaccounts"),
  r("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
  r("apps", "v1", "Deployment", "deployments"),
  r("apps", "v1", "StatefulSet", "statefulsets"),
  r("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
  r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets"),
  r("networking.k8s.io", "v1", "Ingress", "ingresses"),
];

export const groupVersion = (res: TResource) => (res.group ? `${res.group}/${res.version}` : res.version);

export function findResource(group: string, version: string, name: string): TResource | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.name === name);
}

export function discovery(group: string, version: string) {
  const resources = RESOURCES.filter((x) => x.group === group && x.version === version);
  if (!resources.length) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.flatMap((x) => [
      {
        name: x.name,
        singularName: x.singularName,
        namespaced: x.namespaced,
        kind: x.kind,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      },
      ...(x.kind === "Deployment"
        ? [
            {
              name: `${x.name}/status`,
              singularName: "",
              namespaced: true,
              kind: x.kind,
              verbs: ["get", "patch", "update"],
            },
          ]
        : []),
    ]),
  };
}

export function groupList() {
  const groups = [...new Set(RESOURCES.filter((x) => x.group).map((x) => x.group))];
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groups.map((g) => {
      const versions = [...new Set(RESOURCES.filter((x) => x.group === g).map((x) => x.version))].map(
        (v) => ({
          groupVersion: `${g}/${v}`,
          version: v,
        }),
      );
      return { name: g, versions, preferredVersion: versions[0] };
    }),
  };
}

type TModelClass = new (data: unknown) => { validate(): void };
const modelCache = new Map<string, TModelClass>();

/** Validates an object against the official OpenAPI schema; returns the first problem, or null. */
export async function validateObject(res: TResource, obj: unknown): Promise<string | null> {
  let Model = modelCache.get(res.model);
  if (!Model) {
    const mod = (await import(res.model)) as Record<string, TModelClass>;
    Model = mod[res.kind]!;
    modelCache.set(res.model, Model);
  }
  try {
    new Model(obj).validate();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.split("\n").slice(0, 3).join("; ") : String(e);
  }
}
