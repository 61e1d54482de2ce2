/**
 * Node module hooks that let `gyre pipelines run pipeline.ts` and `gyre worker` import TypeScript
 * pipeline modules: types are stripped with the TypeScript compiler's `transpileModule` (no type
 * check), and a relative `./x.js` import resolves to `./x.ts` when only that exists, as tsc's
 * NodeNext convention writes it. Registered by `loadPipelineModule` for .ts and .mts files.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;
type Load = (url: string, context: object) => Promise<{ format?: string; source?: unknown }>;

const TS_FILE = /\.m?ts$/;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTs = context.parentURL !== undefined && TS_FILE.test(new URL(context.parentURL).pathname);
    if (fromTs && specifier.startsWith(".") && /\.m?js$/.test(specifier)) {
      return next(specifier.replace(/js$/, "ts"), context);
    }
    throw error;
  }
}

export async function load(url: string, context: object, next: Load) {
  if (!url.startsWith("file:") || !TS_FILE.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  let ts: typeof import("typescript");
  try {
    ts = (await import("typescript")).default;
  } catch {
    throw new Error(
      `Cannot load ${file}: TypeScript pipeline modules need the 'typescript' package installed (or compile the pipeline to .js).`,
    );
  }
  const source = await readFile(file, "utf8");
  const output = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: "module", source: output.outputText, shortCircuit: true };
}
