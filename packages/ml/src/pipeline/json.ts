/**
 * The saved form of fitted transformers, models and pipelines: plain JSON, so a pipeline can be
 * written to a file, logged as an artifact, or exported to another format later.
 */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Every saved object names its kind, the key that picks the loader. */
export type KindedJson = { readonly kind: string; readonly [key: string]: Json };

export function expectKind(json: KindedJson, kind: string): void {
  if (json.kind !== kind) throw new Error(`Expected a saved '${kind}', got '${json.kind}'`);
}

export function numbers(json: Json | undefined, what: string): number[] {
  if (!Array.isArray(json) || !json.every((v) => typeof v === "number"))
    throw new Error(`${what}: expected numbers`);
  return json as number[];
}

export function strings(json: Json | undefined, what: string): string[] {
  if (!Array.isArray(json) || !json.every((v) => typeof v === "string"))
    throw new Error(`${what}: expected strings`);
  return json as string[];
}

export function numberField(json: Json | undefined, what: string): number {
  if (typeof json !== "number") throw new Error(`${what}: expected a number`);
  return json;
}

export function stringField(json: Json | undefined, what: string): string {
  if (typeof json !== "string") throw new Error(`${what}: expected a string`);
  return json;
}

export function objectField(json: Json | undefined, what: string): { readonly [key: string]: Json } {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new Error(`${what}: expected an object`);
  return json as { readonly [key: string]: Json };
}

export function kindedField(json: Json | undefined, what: string): KindedJson {
  const object = objectField(json, what);
  if (typeof object.kind !== "string") throw new Error(`${what}: expected an object with a 'kind'`);
  return object as KindedJson;
}

export function arrayField(json: Json | undefined, what: string): readonly Json[] {
  if (!Array.isArray(json)) throw new Error(`${what}: expected an array`);
  return json as readonly Json[];
}
