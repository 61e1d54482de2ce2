import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * URL of a compiled worker entry next to `base` (an import.meta.url). Workers need JavaScript: when the
 * caller runs from the TypeScript sources (tests), the compiled twin under dist/ is used instead, so
 * the package must have been built (`npx tsc -b packages/ml`).
 */
export function workerScriptUrl(file: string, base: string): URL {
  const sibling = new URL(file, base);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const href = sibling.href;
  const at = href.lastIndexOf("/src/");
  if (at >= 0) {
    const compiled = new URL(`${href.slice(0, at)}/dist/${href.slice(at + 5)}`);
    if (existsSync(fileURLToPath(compiled))) return compiled;
  }
  throw new Error(
    `Worker script ${file} not found next to ${base}; build @gyre/ml first (npx tsc -b packages/ml)`,
  );
}
