import { type Experiment, tracking, type ViewType } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import { collectPages } from "./batching.js";
import type { GyreClient } from "./client.js";

/** The experiment with this name (the active one on a clash), or undefined when there is none. */
export async function findExperimentByName(
  client: GyreClient,
  name: string,
): Promise<Experiment | undefined> {
  try {
    return (await client.call(tracking.getExperimentByName, { experiment_name: name })).experiment;
  } catch (error) {
    if (error instanceof GyreError && error.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
    throw error;
  }
}

/**
 * The id of the active experiment with this name, created when missing. Another process may
 * create it between our lookup and our create; its experiment is then the one we use.
 */
export async function ensureExperiment(client: GyreClient, name: string): Promise<string> {
  const existing = await findExperimentByName(client, name);
  if (existing) return activeExperimentId(existing);
  try {
    return (await client.call(tracking.createExperiment, { name })).experiment_id;
  } catch (error) {
    if (!(error instanceof GyreError && error.code === "RESOURCE_ALREADY_EXISTS")) throw error;
    const created = await findExperimentByName(client, name);
    if (!created) throw error;
    return activeExperimentId(created);
  }
}

export async function requireExperimentByName(client: GyreClient, name: string): Promise<Experiment> {
  const experiment = await findExperimentByName(client, name);
  if (!experiment) throw new GyreError("RESOURCE_DOES_NOT_EXIST", `Experiment '${name}' does not exist.`);
  return experiment;
}

export function listAllExperiments(client: GyreClient, view: ViewType): Promise<Experiment[]> {
  return collectPages(async (pageToken) => {
    const page = await client.call(tracking.searchExperiments, {
      max_results: 1000,
      view_type: view,
      page_token: pageToken,
    });
    return { items: page.experiments, next: page.next_page_token };
  });
}

/** Names stay reserved by deleted experiments, so a name can resolve to one that takes no runs. */
function activeExperimentId(experiment: Experiment): string {
  if (experiment.lifecycle_stage === "deleted") {
    throw new GyreError(
      "INVALID_STATE",
      `Experiment '${experiment.name}' (id ${experiment.experiment_id}) is deleted; restore it or use another name.`,
    );
  }
  return experiment.experiment_id;
}
