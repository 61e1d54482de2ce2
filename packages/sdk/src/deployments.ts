import { deployments, type RequestOf } from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import type { GyreClient } from "./client.js";

export type Deployment = deployments.Deployment;
export type DeploymentSpec = deployments.DeploymentSpec;
export type DeploymentSpecInput = deployments.DeploymentSpecInput;
export type DeploymentArm = deployments.DeploymentArm;
export type DeploymentShadow = deployments.DeploymentShadow;
export type DeploymentRevision = deployments.DeploymentRevision;

/** What `update` may change; fields left out are kept (`stickyHeader: ""` turns sticky routing off). */
export interface DeploymentUpdate {
  arms?: DeploymentSpecInput["arms"];
  shadows?: DeploymentSpecInput["shadows"];
  stickyHeader?: string;
}

/**
 * The wire shapes of the serving protocols a deployment speaks under `/serving/{name}`: the Open
 * Inference Protocol v2 (`infer`) and MLflow's scoring protocol (`invocations`). Written out here
 * because the SDK does not depend on the serving runtime whose schemas define them.
 */
export type V2Parameters = Record<string, string | number | boolean>;

export interface V2Tensor {
  name: string;
  /** Open Inference Protocol datatypes: FP32, FP64, INT64, BOOL, BYTES, … */
  datatype: string;
  /** The whole batch's shape, batch first. */
  shape: number[];
  /** Row-major values, flat or nested as `shape`. */
  data: unknown[];
  parameters?: V2Parameters;
}

export interface V2InferenceRequest {
  id?: string;
  parameters?: V2Parameters;
  inputs: V2Tensor[];
  outputs?: { name: string; parameters?: V2Parameters }[];
}

export interface V2InferenceResponse {
  model_name: string;
  model_version?: string;
  /** The request's id, or the server's request id when none was sent. */
  id: string;
  parameters?: V2Parameters;
  outputs: V2Tensor[];
}

/** One of MLflow's four JSON input forms. */
export type MlflowInvocationRequest =
  | { dataframe_split: { columns?: (string | number)[]; index?: unknown[]; data: unknown[][] } }
  | { dataframe_records: Record<string, unknown>[] }
  | { instances: unknown[] }
  | { inputs: unknown[] | Record<string, unknown> };

export interface MlflowInvocationResponse {
  /** Records (one object per row) for DataFrame inputs; output name → rows for tensor inputs. */
  predictions: Record<string, unknown>[] | Record<string, unknown[]>;
}

export interface Answer<T> {
  readonly body: T;
  /** The `x-request-id` the server logged the prediction under (ground truth is joined on it). */
  readonly requestId: string | undefined;
}

export interface PredictOptions {
  /** A version the deployment holds (`/versions/{v}`), bypassing the weighted routing. */
  version?: string | number;
  /** Sent as `x-request-id`; the server makes one up otherwise. */
  requestId?: string;
  /** Extra headers, e.g. the deployment's sticky routing header. */
  headers?: Record<string, string>;
}

const SERVING_PREFIX = "/serving";
const segment = (value: string | number) => encodeURIComponent(String(value));

/**
 * Gyre's named deployments: the management API (`/api/2.0/gyre/deployments/*`, every change a
 * revision) and predictions through the protocols each deployment serves. `gyre.deployments`.
 */
export class DeploymentsClient {
  constructor(private readonly client: GyreClient) {}

  /** Creates a deployment; its versions are loaded and warmed before this resolves. */
  async create(name: string, spec: DeploymentSpecInput): Promise<Deployment> {
    return (await this.client.call(deployments.createDeployment, { name, spec })).deployment;
  }

  /** A deployment with its serving status, and its revisions (newest first). */
  async get(name: string): Promise<{ deployment: Deployment; revisions: DeploymentRevision[] }> {
    const answer = await this.client.call(deployments.getDeployment, { name });
    return { deployment: answer.deployment, revisions: answer.revisions ?? [] };
  }

  async list(): Promise<Deployment[]> {
    return (await this.client.call(deployments.listDeployments, {})).deployments ?? [];
  }

  /** Changes arms, weights, shadows or the sticky header; no request fails during the switch. */
  async update(name: string, change: DeploymentUpdate): Promise<Deployment> {
    const request: RequestOf<typeof deployments.updateDeployment> = {
      name,
      ...(change.arms ? { arms: change.arms } : {}),
      ...(change.shadows ? { shadows: change.shadows } : {}),
      ...(change.stickyHeader === undefined ? {} : { sticky_header: change.stickyHeader }),
    };
    return (await this.client.call(deployments.updateDeployment, request)).deployment;
  }

  /** Returns to the revision before the current one (repeatable), recorded as a new revision. */
  async rollback(name: string): Promise<Deployment> {
    return (await this.client.call(deployments.rollbackDeployment, { name })).deployment;
  }

  /** Stops serving the deployment (in-flight requests finish) and forgets it. */
  async delete(name: string): Promise<void> {
    await this.client.call(deployments.deleteDeployment, { name });
  }

  /** The base URL V2 and MLflow clients of other languages use for this deployment. */
  servingUrl(name: string): string {
    return `${this.client.trackingUri}${SERVING_PREFIX}/${segment(name)}`;
  }

  /** Open Inference Protocol v2 inference (`/serving/{name}/v2/models/{name}[/versions/{v}]/infer`). */
  async infer(
    name: string,
    request: V2InferenceRequest,
    options: PredictOptions = {},
  ): Promise<Answer<V2InferenceResponse>> {
    const version = options.version === undefined ? "" : `/versions/${segment(options.version)}`;
    return this.post(`/v2/models/${segment(name)}${version}/infer`, name, request, options);
  }

  /** MLflow scoring (`/serving/{name}/invocations`): dataframe_split, dataframe_records, instances or inputs. */
  async invocations(
    name: string,
    request: MlflowInvocationRequest,
    options: Omit<PredictOptions, "version"> = {},
  ): Promise<Answer<MlflowInvocationResponse>> {
    return this.post("/invocations", name, request, options);
  }

  /**
   * Rows as objects (column → value) through MLflow's `dataframe_records`, for models with a column
   * signature; answers one object of outputs per row.
   */
  async predictRecords(
    name: string,
    records: Record<string, unknown>[],
    options: Omit<PredictOptions, "version"> = {},
  ): Promise<Answer<Record<string, unknown>[]>> {
    const answer = await this.invocations(name, { dataframe_records: records }, options);
    if (!Array.isArray(answer.body.predictions)) {
      throw new GyreError("INTERNAL_ERROR", `Deployment '${name}' did not answer one record per row.`);
    }
    return { body: answer.body.predictions, requestId: answer.requestId };
  }

  private async post<T>(
    path: string,
    name: string,
    body: unknown,
    options: Omit<PredictOptions, "version">,
  ): Promise<Answer<T>> {
    const response = await this.client.send({
      method: "POST",
      path: `${SERVING_PREFIX}/${segment(name)}${path}`,
      json: body,
      headers: {
        ...options.headers,
        ...(options.requestId === undefined ? {} : { "x-request-id": options.requestId }),
      },
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GyreError("INTERNAL_ERROR", `Deployment '${name}' answered a body that is not JSON.`);
    }
    return { body: parsed as T, requestId: response.headers.get("x-request-id") ?? undefined };
  }
}
