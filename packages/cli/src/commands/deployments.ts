import { deployments } from "@gyre/core";
import type { Gyre } from "@gyre/sdk";
import { defineCommand, TRACKING_OPTION_HELP, TRACKING_OPTIONS } from "../command.js";
import { type CliContext, printJson, printLine } from "../io.js";
import { resolveTrackingTarget, withTracking } from "../tracking-store.js";
import { UsageError } from "../usage-error.js";
import { describeDeployment, renderDeploymentList } from "./deployments-format.js";

type Deployment = deployments.Deployment;
type Arm = deployments.DeploymentArm;

/** `URI=NUMBER` (the last '=' splits: URIs have none of their own). */
function splitAssignment(flag: string, text: string): { target: string; value: number } {
  const at = text.lastIndexOf("=");
  const value = at > 0 ? Number(text.slice(at + 1)) : Number.NaN;
  if (!(at > 0) || text.slice(at + 1).trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`${flag} takes MODEL_URI=NUMBER, got '${text}'`);
  }
  return { target: text.slice(0, at), value };
}

/** The registered model a spec serves: from its first arm (every arm is a version of one model). */
function modelNameOf(spec: deployments.DeploymentSpec): string | undefined {
  const first = spec.arms[0];
  if (!first) return undefined;
  if (first.model_name !== undefined) return first.model_name;
  return /^models:(?:\/\/)?\/([^/@]+)/i.exec(first.model_uri ?? "")?.[1];
}

/** `v3=90`, `3=90` (versions of the deployment's model) or `models:/x@champion=90`, as arms. */
export function weightArms(current: deployments.DeploymentSpec, assignments: readonly string[]): Arm[] {
  return assignments.map((text) => {
    const { target, value } = splitAssignment("a weight", text);
    const version = /^v?(\d+)$/i.exec(target)?.[1];
    if (version === undefined) return { model_uri: target, weight: value };
    const model = modelNameOf(current);
    if (model === undefined) throw new UsageError(`cannot tell which model version ${version} belongs to`);
    return { model_uri: `models:/${model}/${version}`, weight: value };
  });
}

async function call<T>(
  values: { "tracking-uri"?: string | undefined },
  context: CliContext,
  use: (gyre: Gyre) => Promise<T>,
) {
  return withTracking(resolveTrackingTarget(values["tracking-uri"], context.env), use);
}

function report(
  context: CliContext,
  json: boolean | undefined,
  deployment: Deployment,
  headline: string,
): void {
  if (json) printJson(context, { deployment });
  else printLine(context.stdout, `${headline}\n${describeDeployment(deployment)}`);
}

export const deploymentsCreateCommand = defineCommand({
  words: ["deployments", "create"],
  arguments: ["NAME"],
  summary: "Create a named deployment, served by the tracking server under /serving/NAME.",
  options: {
    model: { type: "string" },
    canary: { type: "string", multiple: true },
    shadow: { type: "string", multiple: true },
    "sticky-header": { type: "string" },
    ...TRACKING_OPTIONS,
  },
  optionHelp: [
    ["--model MODEL_URI", "The primary arm, e.g. models:/churn@champion (required)"],
    ["--canary MODEL_URI=WEIGHT", "A canary arm with a percentage of traffic (repeatable)"],
    ["--shadow MODEL_URI=PERCENT", "Mirror PERCENT % of requests to a version; never returned (repeatable)"],
    ["--sticky-header H", "Route requests with the same value of header H to the same arm"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = ""] }, context) {
    if (!values.model) throw new UsageError("--model is required");
    const canaries = (values.canary ?? []).map((text) => splitAssignment("--canary", text));
    const canaryTotal = canaries.reduce((sum, c) => sum + c.value, 0);
    if (canaryTotal >= 100)
      throw new UsageError(`the canaries take ${canaryTotal}% of traffic; leave some for --model`);
    const spec: deployments.DeploymentSpecInput = {
      // Canary weights are percentages; the primary arm gets the rest.
      arms: [
        { model_uri: values.model, weight: 100 - canaryTotal },
        ...canaries.map((c) => ({ model_uri: c.target, weight: c.value })),
      ],
      shadows: (values.shadow ?? []).map((text) => {
        const { target, value } = splitAssignment("--shadow", text);
        return { model_uri: target, percent: value };
      }),
      ...(values["sticky-header"] ? { sticky_header: values["sticky-header"] } : {}),
    };
    const { deployment } = await call(values, context, (gyre) =>
      gyre.client.call(deployments.createDeployment, { name, spec }),
    );
    report(context, values.json, deployment, `Created deployment ${name} (revision ${deployment.revision}).`);
  },
});

export const deploymentsListCommand = defineCommand({
  words: ["deployments", "list"],
  summary: "List named deployments.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values }, context) {
    const answer = await call(values, context, (gyre) => gyre.client.call(deployments.listDeployments, {}));
    if (values.json) printJson(context, answer);
    else printLine(context.stdout, renderDeploymentList(answer.deployments ?? []));
  },
});

export const deploymentsShowCommand = defineCommand({
  words: ["deployments", "show"],
  arguments: ["NAME"],
  summary: "Show a deployment: its arms, shadows, serving status and revisions.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    const answer = await call(values, context, (gyre) =>
      gyre.client.call(deployments.getDeployment, { name }),
    );
    if (values.json) {
      printJson(context, answer);
      return;
    }
    const revisions = (answer.revisions ?? []).map(
      (r) => `  ${r.revision}  ${r.action.padEnd(8)}  ${new Date(r.timestamp).toISOString()}  ${r.actor}`,
    );
    printLine(
      context.stdout,
      `${describeDeployment(answer.deployment)}\nrevisions:\n${revisions.join("\n")}`,
    );
  },
});

export const deploymentsSetWeightsCommand = defineCommand({
  words: ["deployments", "set-weights"],
  arguments: ["NAME", "ARM=WEIGHT"],
  repeatLast: true,
  summary: "Replace a deployment's arms and weights (e.g. v3=90 v4=10); no request fails.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [
    ["ARM=WEIGHT", "vN or N (a version of the deployment's model) or a model URI, and its weight"],
    ...TRACKING_OPTION_HELP,
  ],
  async run({ values, positionals: [name = "", ...assignments] }, context) {
    const { deployment } = await call(values, context, async (gyre) => {
      const { deployment: current } = await gyre.client.call(deployments.getDeployment, { name });
      const arms = weightArms(current.spec, assignments);
      return gyre.client.call(deployments.updateDeployment, { name, arms });
    });
    report(context, values.json, deployment, `Updated deployment ${name} (revision ${deployment.revision}).`);
  },
});

export const deploymentsRollbackCommand = defineCommand({
  words: ["deployments", "rollback"],
  arguments: ["NAME"],
  summary: "Return a deployment to its previous revision.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    const { deployment } = await call(values, context, (gyre) =>
      gyre.client.call(deployments.rollbackDeployment, { name }),
    );
    report(
      context,
      values.json,
      deployment,
      `Rolled back deployment ${name} (now revision ${deployment.revision}).`,
    );
  },
});

export const deploymentsDeleteCommand = defineCommand({
  words: ["deployments", "delete"],
  arguments: ["NAME"],
  summary: "Stop serving a deployment and delete it with its history.",
  options: { ...TRACKING_OPTIONS },
  optionHelp: [...TRACKING_OPTION_HELP],
  async run({ values, positionals: [name = ""] }, context) {
    await call(values, context, (gyre) => gyre.client.call(deployments.deleteDeployment, { name }));
    if (values.json) printJson(context, {});
    else printLine(context.stdout, `Deleted deployment ${name}.`);
  },
});

export const deploymentsCommands = [
  deploymentsCreateCommand,
  deploymentsListCommand,
  deploymentsShowCommand,
  deploymentsSetWeightsCommand,
  deploymentsRollbackCommand,
  deploymentsDeleteCommand,
];
