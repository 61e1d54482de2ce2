import { z } from "zod";
import { defineRoute } from "./contract.js";
import { requiredString } from "./wire.js";

/**
 * Named deployments served by the tracking server: one endpoint routing across versions of a
 * registered model by weight (canary), optionally sticky by a request header, mirroring traffic
 * to shadow versions. Gyre's own routes under `/api/2.0/gyre/deployments`; every change is a new
 * revision, so rollback is one call. Inference goes to `/serving/{name}/…` (see ARCHITECTURE.md).
 */

const BASE = "/api/2.0/gyre/deployments";
const TAG = "Deployments";

/** Letters, digits, '.', '_' and '-', starting with a letter or digit: one URL path segment. */
export const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const DEPLOYMENT_NAME_RULE =
  "must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 128 characters)";

/** An HTTP token (RFC 9110): what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;

/** A model version, named either by URI (`models:/x/3`, `models:/x@champion`) or by name and version. */
const target = {
  model_uri: z.string().min(1).optional(),
  /** With `version`: a registered model's name. */
  model_name: z.string().min(1).optional(),
  version: z
    .union([z.string().regex(/^\d+$/, "a version is a number"), z.number().int().positive()])
    .optional(),
};

/** Exactly one of model_uri, or model_name with version. */
function oneTarget(value: {
  model_uri?: string | undefined;
  model_name?: string | undefined;
  version?: unknown;
}) {
  const byName = value.model_name !== undefined || value.version !== undefined;
  if (value.model_uri !== undefined) return !byName;
  return value.model_name !== undefined && value.version !== undefined;
}
const TARGET_RULE = "give either model_uri, or model_name with version";

export const DeploymentArm = z
  .object({
    ...target,
    weight: z.number({ error: "a weight is a number" }).nonnegative("a weight cannot be negative"),
  })
  .refine(oneTarget, { message: TARGET_RULE, path: ["model_uri"] });
export type DeploymentArm = z.output<typeof DeploymentArm>;

export const DeploymentShadow = z
  .object({
    ...target,
    percent: z
      .number({ error: "percent is a number from 0 to 100" })
      .min(0, "percent is from 0 to 100")
      .max(100, "percent is from 0 to 100"),
  })
  .refine(oneTarget, { message: TARGET_RULE, path: ["model_uri"] });
export type DeploymentShadow = z.output<typeof DeploymentShadow>;

const armsSchema = z.array(DeploymentArm).min(1, "a deployment needs at least one arm");
const shadowsSchema = z.array(DeploymentShadow);
const stickyHeaderSchema = z.string().regex(HEADER_NAME, "a header name is an HTTP token");

/** Weights are relative shares (90/10 or 0.9/0.1); they must add up to more than 0. */
function positiveWeights(arms: readonly { weight: number }[], ctx: z.RefinementCtx, path: PropertyKey[]) {
  if (arms.reduce((sum, arm) => sum + arm.weight, 0) <= 0) {
    ctx.addIssue({ code: "custom", path, message: "the weights must add up to more than 0" });
  }
}

export const DeploymentSpec = z
  .object({
    arms: armsSchema,
    shadows: shadowsSchema.default([]),
    /** Requests carrying this header are routed by a hash of its value: one key, one arm. */
    sticky_header: stickyHeaderSchema.optional(),
    /** A feature service whose features are fetched from the online store for requests that carry only entity keys. */
    feature_service: z.string().min(1).optional(),
  })
  .superRefine((spec, ctx) => positiveWeights(spec.arms, ctx, ["arms"]));
export type DeploymentSpec = z.output<typeof DeploymentSpec>;
export type DeploymentSpecInput = z.input<typeof DeploymentSpec>;

/** A version as it is served right now (an alias resolved to its current version). */
export const ServedArm = z.object({
  /** What the spec says, e.g. `models:/churn@champion`. */
  model_uri: z.string(),
  version: z.string(),
  role: z.enum(["primary", "canary", "shadow"]),
  /** Share of requests: routed (arms) or mirrored (shadows), from 0 to 1. */
  share: z.number(),
});

export const DeploymentRevision = z.object({
  revision: z.number().int(),
  action: z.enum(["create", "update", "rollback"]),
  /** The revision a rollback from this one returns to; absent for the first. */
  previous_revision: z.number().int().optional(),
  actor: z.string(),
  timestamp: z.number().int(),
  spec: DeploymentSpec,
});
export type DeploymentRevision = z.output<typeof DeploymentRevision>;

export const Deployment = z.object({
  name: z.string(),
  revision: z.number().int(),
  spec: DeploymentSpec,
  creation_timestamp: z.number().int(),
  last_updated_timestamp: z.number().int(),
  created_by: z.string(),
  last_updated_by: z.string(),
  /** The serving state on the answering server; absent where the server does not serve deployments. */
  status: z
    .object({
      model_name: z.string(),
      arms: z.array(ServedArm),
      last_error: z.string().optional(),
    })
    .optional(),
});
export type Deployment = z.output<typeof Deployment>;

const name = { name: z.string().regex(DEPLOYMENT_NAME, DEPLOYMENT_NAME_RULE) };
const actor = { user_id: z.string().optional() };

export const createDeployment = defineRoute({
  operation: "createDeployment",
  methods: ["POST"],
  path: `${BASE}/create`,
  tag: TAG,
  summary: "Create a named deployment: its versions are loaded and warmed before it answers.",
  request: z.object({ ...name, spec: DeploymentSpec, ...actor }),
  response: z.object({ deployment: Deployment }),
});

export const getDeployment = defineRoute({
  operation: "getDeployment",
  methods: ["GET"],
  path: `${BASE}/get`,
  tag: TAG,
  summary: "One deployment: its current revision, serving status and revision history (newest first).",
  request: z.object({ name: requiredString() }),
  response: z.object({ deployment: Deployment, revisions: z.array(DeploymentRevision).optional() }),
});

export const listDeployments = defineRoute({
  operation: "listDeployments",
  methods: ["GET"],
  path: `${BASE}/list`,
  tag: TAG,
  summary: "Every deployment, by name.",
  request: z.object({}),
  response: z.object({ deployments: z.array(Deployment).optional() }),
});

export const updateDeployment = defineRoute({
  operation: "updateDeployment",
  methods: ["POST"],
  path: `${BASE}/update`,
  tag: TAG,
  summary:
    "Change arms, weights, shadows or the sticky header (fields left out are kept); new versions are warmed before the switch, so no request fails.",
  // Strict, and something must change: a body shaped like create's ({spec: {...}}) would
  // otherwise be read as "change nothing" and still record a revision.
  request: z
    .strictObject({
      ...name,
      arms: armsSchema.optional(),
      shadows: shadowsSchema.optional(),
      /** An empty string turns sticky routing off. */
      sticky_header: z.union([stickyHeaderSchema, z.literal("")]).optional(),
      ...actor,
    })
    .superRefine((req, ctx) => {
      if (req.arms) positiveWeights(req.arms, ctx, ["arms"]);
      if (req.arms === undefined && req.shadows === undefined && req.sticky_header === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [],
          message: "give at least one of arms, shadows or sticky_header to change",
        });
      }
    }),
  response: z.object({ deployment: Deployment }),
});

export const rollbackDeployment = defineRoute({
  operation: "rollbackDeployment",
  methods: ["POST"],
  path: `${BASE}/rollback`,
  tag: TAG,
  summary: "Return to the revision before the current one (repeatable); recorded as a new revision.",
  request: z.object({ name: requiredString(), ...actor }),
  response: z.object({ deployment: Deployment }),
});

export const deleteDeployment = defineRoute({
  operation: "deleteDeployment",
  methods: ["DELETE", "POST"],
  path: `${BASE}/delete`,
  tag: TAG,
  summary: "Stop serving a deployment (in-flight requests finish) and forget it and its history.",
  request: z.object({ name: requiredString() }),
  response: z.object({}),
});

export const deploymentRoutes = [
  createDeployment,
  getDeployment,
  listDeployments,
  updateDeployment,
  rollbackDeployment,
  deleteDeployment,
] as const;
