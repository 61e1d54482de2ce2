import { deployments, GyreError } from "@gyre/core";
import type { Gyre } from "@gyre/sdk";

/** The continuous-training template's calls about models and traffic: the champion, the deployment. */

/** The champion's version number, or undefined when the model or its alias does not exist yet. */
export async function championOf(gyre: Gyre, model: string): Promise<string | undefined> {
  try {
    const registered = await gyre.getRegisteredModel(model);
    return registered.aliases?.find((a) => a.alias === "champion")?.version;
  } catch (error) {
    if (error instanceof GyreError && error.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
    throw error;
  }
}

export async function deploymentExists(gyre: Gyre, name: string): Promise<boolean> {
  try {
    await gyre.client.call(deployments.getDeployment, { name });
    return true;
  } catch (error) {
    if (error instanceof GyreError && error.code === "RESOURCE_DOES_NOT_EXIST") return false;
    throw error;
  }
}

/** Routes every request to the champion, whatever the deployment held. */
export async function serveChampionOnly(gyre: Gyre, deployment: string, model: string): Promise<void> {
  const arms = [{ model_uri: `models:/${model}@champion`, weight: 100 }];
  if (await deploymentExists(gyre, deployment)) {
    await gyre.client.call(deployments.updateDeployment, { name: deployment, arms, shadows: [] });
  } else {
    await gyre.client.call(deployments.createDeployment, { name: deployment, spec: { arms, shadows: [] } });
  }
}
