import { GyreError } from "@gyre/core";
import type { ModelRegistryView, RequestContext, ServedModel } from "../registry-view.js";
import type { Deployment } from "./deployment.js";

/**
 * Deployments by endpoint name, as the serving routes see them: a name resolves to the arm
 * chosen for the request, a version path to that version as is, and MLflow's bare /invocations
 * to the default deployment (the only one, unless named).
 */
export class DeploymentRegistry implements ModelRegistryView {
  private readonly deployments = new Map<string, Deployment>();

  constructor(private readonly options: { readonly defaultDeployment?: string } = {}) {}

  add(deployment: Deployment): void {
    if (this.deployments.has(deployment.name)) {
      throw new GyreError("RESOURCE_ALREADY_EXISTS", `Deployment ${deployment.name} already exists.`);
    }
    this.deployments.set(deployment.name, deployment);
  }

  get(name: string): Deployment | undefined {
    return this.deployments.get(name);
  }

  all(): readonly Deployment[] {
    return [...this.deployments.values()];
  }

  /** Stops serving a deployment, then drains and releases its versions. */
  async remove(name: string): Promise<void> {
    const deployment = this.deployments.get(name);
    if (!deployment) return;
    this.deployments.delete(name);
    await deployment.close();
  }

  resolve(name: string, version: string | undefined, context: RequestContext): ServedModel | undefined {
    const deployment = this.deployments.get(name);
    if (!deployment) return undefined;
    return version === undefined ? deployment.route(context) : deployment.version(version);
  }

  list(): readonly ServedModel[] {
    return [...this.deployments.values()].flatMap((d) => d.list());
  }

  defaultModel(context: RequestContext): ServedModel | undefined {
    const name = this.options.defaultDeployment;
    if (name !== undefined) return this.deployments.get(name)?.route(context);
    if (this.deployments.size !== 1) return undefined;
    return this.deployments.values().next().value?.route(context);
  }

  async close(): Promise<void> {
    const deployments = [...this.deployments.values()];
    this.deployments.clear();
    await Promise.all(deployments.map((d) => d.close()));
  }
}
