import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import { MigrationAdapterFactory } from "./adapterFactory";

export type TSchemaEngine = SchemaEngine;

type TGlue = typeof import("@prisma/schema-engine-wasm") & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let gluePromise: Promise<TGlue> | undefined;

/**
 * The package's main entry imports the .wasm file as an ES module, which Node 20 cannot do; load the
 * JS glue and instantiate the wasm ourselves. Once per process: the glue keeps module-level state
 * (memory views, closure tables) bound to one instance, and the engine leaves timers behind that call
 * back into it, so swapping in a second instance corrupts the first one's callbacks.
 */
function loadGlue(): Promise<TGlue> {
  gluePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as TGlue;
    const bytes = readFileSync(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    const module = await WebAssembly.compile(bytes);
    const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": glue as never });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  gluePromise.catch(() => {
    gluePromise = undefined;
  });
  return gluePromise;
}

export type TEngineHandle = {
  engine: TSchemaEngine;
  factory: MigrationAdapterFactory;
  close(): Promise<void>;
};

export type TStartEngineOptions = {
  databaseUrl: string;
  schemaPath: string;
  schemaContent: string;
  /** Engine log lines (JSON), for debugging. */
  log?: (line: string) => void;
};

export async function startEngine(options: TStartEngineOptions): Promise<TEngineHandle> {
  const glue = await loadGlue();
  const factory = new MigrationAdapterFactory(options.databaseUrl);
  const engine = await glue.SchemaEngine.new(
    { datamodels: [[options.schemaPath, options.schemaContent]] },
    (line: string) => options.log?.(line),
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  let closed = false;
  return {
    engine,
    factory,
    async close() {
      if (closed) return;
      closed = true;
      engine.free();
      await factory.cleanup();
    },
  };
}
