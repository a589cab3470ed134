// OpenAPI 3.1 document generated from the route definitions' zod schemas (zod 4 toJSONSchema).
import { z } from "zod";
import { type TAnyRouteDef, ZErrorBody } from "./handler";
import { allRoutes } from "./routes";

const schema = (s: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;

function parameters(def: TAnyRouteDef) {
  const out: Record<string, unknown>[] = [];
  for (const [where, s] of [
    ["path", def.params],
    ["query", def.query],
  ] as const) {
    if (!s) continue;
    const js = schema(s, "input") as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === "path" || (js.required ?? []).includes(name),
        schema: prop,
      });
    }
  }
  return out;
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

export function buildOpenApi(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of allRoutes) {
    const op: Record<string, unknown> = {
      operationId: def.operationId,
      summary: def.summary,
      tags: [def.tag],
      description: `Requires an API key acting with the ${def.minRole} role or higher (scopes: read → viewer, write → member, admin → admin).`,
      parameters: parameters(def),
      responses: {
        [String(def.status ?? 200)]: {
          description: "OK",
          content: { [def.contentType ?? "application/json"]: { schema: schema(def.response, "output") } },
        },
        "400": errorResponse("Bad input; `error.field` names the offending field"),
        "401": errorResponse("Missing, wrong, revoked or expired API key"),
        "403": errorResponse("The key's role is not enough for this operation"),
        "404": errorResponse("Not found in this organization"),
      },
    };
    if (def.body) {
      op.requestBody = {
        required: true,
        content: { "application/json": { schema: schema(def.body, "input") } },
      };
    }
    paths[def.path] ??= {};
    paths[def.path]![def.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "aitk control plane API",
      version: "1.0.0",
      description: "Management API of aitk. Authenticate with `Authorization: Bearer <API key>`.",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "aitk API key (aitk_…)" } },
      schemas: { Error: schema(ZErrorBody, "output") },
    },
    paths,
  };
}
