import { UsageError } from "../usage-error.js";

/**
 * What `gyre models show` names: a model, one of its versions, the version an alias points at,
 * or a models:/ URI the registry resolves (`models:/name/latest`, `models:/name/Production`).
 */
export type ModelRef =
  | { kind: "model"; name: string }
  | { kind: "version"; name: string; version: string }
  | { kind: "alias"; name: string; alias: string }
  | { kind: "uri"; uri: string };

/**
 * NAME, NAME/VERSION or NAME@ALIAS, with or without a `models:/` prefix. The last `/` or `@`
 * splits, so a name holding either still works when the suffix says which it is. With the
 * prefix, any other suffix follows the URI grammar (latest or a stage) and is left to the registry.
 */
export function parseModelRef(text: string): ModelRef {
  const ref = text.replace(/^models:\/(?!\/)/i, "");
  const slash = ref.lastIndexOf("/");
  if (slash > 0 && /^\d+$/.test(ref.slice(slash + 1))) {
    return { kind: "version", name: ref.slice(0, slash), version: ref.slice(slash + 1) };
  }
  const at = ref.lastIndexOf("@");
  if (at > 0 && at < ref.length - 1 && !ref.slice(at).includes("/")) {
    return { kind: "alias", name: ref.slice(0, at), alias: ref.slice(at + 1) };
  }
  if (ref.trim() === "") throw new UsageError(`not a model name: '${text}'`);
  if (ref !== text && slash > 0) return { kind: "uri", uri: text };
  return { kind: "model", name: ref };
}

/** `--tag key=value`, repeatable; the first '=' splits, so values may hold more. */
export function parseTags(tags: readonly string[] | undefined): Record<string, string> | undefined {
  if (!tags || tags.length === 0) return undefined;
  const parsed: Record<string, string> = {};
  for (const tag of tags) {
    const at = tag.indexOf("=");
    if (at <= 0) throw new UsageError(`--tag must be KEY=VALUE, got '${tag}'`);
    parsed[tag.slice(0, at)] = tag.slice(at + 1);
  }
  return parsed;
}

/** A version number as the registry numbers them. */
export function versionArgument(name: string, value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${name} must be a version number, got '${value}'`);
  return value;
}
