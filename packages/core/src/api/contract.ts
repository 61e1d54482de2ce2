import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE" | "PUT";

/**
 * One HTTP contract, written once: the server validates with `request`, the SDK takes its types
 * from it, and the OpenAPI document is generated from both schemas.
 */
export interface RouteContract<
  Req extends z.ZodType = z.ZodType,
  Res extends z.ZodType = z.ZodType,
  Op extends string = string,
> {
  readonly operation: Op;
  /** The first method is the one clients use; MLflow declares a few routes with two. */
  readonly methods: readonly [HttpMethod, ...HttpMethod[]];
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly request: Req;
  readonly response: Res;
}

export function defineRoute<Req extends z.ZodType, Res extends z.ZodType, Op extends string>(
  contract: RouteContract<Req, Res, Op>,
): RouteContract<Req, Res, Op> {
  return contract;
}

/** What a client sends (before coercion). */
export type RequestOf<C extends RouteContract> = z.input<C["request"]>;
/** What a service receives (after coercion and defaults). */
export type ParsedRequestOf<C extends RouteContract> = z.output<C["request"]>;
export type ResponseOf<C extends RouteContract> = z.output<C["response"]>;

/** The keys of a contracts module (`tracking`, `registry`, …) that name routes. */
export type RouteNames<M> = { [K in keyof M]: M[K] extends RouteContract ? K : never }[keyof M];
/** The validated request route K of module M hands to its service. */
export type RouteRequest<M, K extends RouteNames<M>> = M[K] extends RouteContract
  ? ParsedRequestOf<M[K]>
  : never;
/** The response a service returns for route K of module M. */
export type RouteResponse<M, K extends RouteNames<M>> = M[K] extends RouteContract ? ResponseOf<M[K]> : never;
