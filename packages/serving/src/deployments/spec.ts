import { GyreError } from "@gyre/core";
import { z } from "zod";

/** The header that makes routing sticky unless a deployment names another. */
export const DEFAULT_ROUTE_KEY_HEADER = "x-gyre-route-key";

/** An HTTP token (RFC 9110): what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;

const version = z
  .string()
  .trim()
  .min(1, "a version is required")
  .max(256)
  // The registry's versions are numbers; anything printable is accepted for other model sources.
  .regex(/^[\x21-\x7e]+$/, "a version is printable ASCII without spaces");

/**
 * How one endpoint spreads its traffic. Weights are relative shares — integers (90 / 10) or
 * fractions (0.9 / 0.1) alike; a zero weight keeps a version loaded and addressable by its
 * version path without routing it traffic. Shadows receive a copy of `percent` % of requests.
 */
export const deploymentSpecSchema = z
  .object({
    arms: z
      .array(
        z.object({
          version,
          weight: z
            .number({ error: "a weight is a finite number" })
            .nonnegative("a weight cannot be negative"),
        }),
      )
      .min(1, "a deployment needs at least one arm"),
    shadows: z
      .array(
        z.object({
          version,
          percent: z
            .number({ error: "percent is a number from 0 to 100" })
            .min(0, "percent is from 0 to 100")
            .max(100, "percent is from 0 to 100"),
        }),
      )
      .default([]),
    /** Requests carrying this header are routed by a hash of its value, so a key always lands on one arm. */
    stickyHeader: z
      .string()
      .regex(HEADER_NAME, "a header name is an HTTP token")
      .transform((h) => h.toLowerCase())
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.arms.reduce((sum, arm) => sum + arm.weight, 0) <= 0) {
      ctx.addIssue({ code: "custom", path: ["arms"], message: "the weights must add up to more than 0" });
    }
    const seen = new Set<string>();
    for (const [i, { version: v }] of [...spec.arms, ...spec.shadows].entries()) {
      const where = i < spec.arms.length ? ["arms", i] : ["shadows", i - spec.arms.length];
      if (seen.has(v)) {
        ctx.addIssue({
          code: "custom",
          path: [...where, "version"],
          message: `version ${v} appears twice (a version is one arm or one shadow)`,
        });
      }
      seen.add(v);
    }
  });

export type DeploymentSpecInput = z.input<typeof deploymentSpecSchema>;
export type DeploymentSpec = z.output<typeof deploymentSpecSchema>;

/** A validated spec, or INVALID_PARAMETER_VALUE naming every problem. */
export function parseDeploymentSpec(input: DeploymentSpecInput): DeploymentSpec {
  const parsed = deploymentSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(spec)"}: ${i.message}`);
  throw new GyreError("INVALID_PARAMETER_VALUE", `Invalid deployment: ${problems.join("; ")}`);
}

/** Every version a spec needs loaded: arms first, then shadows. */
export function specVersions(spec: DeploymentSpec): string[] {
  return [...spec.arms.map((a) => a.version), ...spec.shadows.map((s) => s.version)];
}

/** e.g. "3 (90%), 4 (10%); shadow 5 (25%)", for logs and errors. */
export function describeSpec(spec: DeploymentSpec): string {
  const total = spec.arms.reduce((sum, arm) => sum + arm.weight, 0);
  const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;
  const arms = spec.arms.map((a) => `${a.version} (${pct(a.weight / total)})`).join(", ");
  const shadows = spec.shadows.map((s) => `${s.version} (${s.percent}%)`).join(", ");
  const sticky = spec.stickyHeader ? `; sticky by ${spec.stickyHeader}` : "";
  return `${arms}${shadows ? `; shadow ${shadows}` : ""}${sticky}`;
}
