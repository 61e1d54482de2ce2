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
