import type { FastifyInstance } from "fastify";
import FindMyWay, { type HTTPMethod } from "find-my-way";

/**
 * Which methods a path is served under, for the answer to a request whose path exists under
 * other methods only: MLflow's server (Flask) answers those 405, not 404. Built from the routes as
 * they are added, with the same router library and path options Fastify uses, so a path matches
 * here exactly when it matches there.
 */
export class RouteMethods {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });
  private readonly methods = new Set<HTTPMethod>();

  /** Records every route added to `app` (and its child scopes) from now on. */
  watch(app: FastifyInstance): void {
    app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods as HTTPMethod[]) {
        if (this.router.hasRoute(method, route.url)) continue;
        this.router.on(method, route.url, () => {});
        this.methods.add(method);
      }
    });
  }

  /** The methods `path` is served under, in a fixed order; empty when no route has it. */
  allowedFor(path: string): HTTPMethod[] {
    return [...this.methods].filter((method) => this.router.find(method, path) !== null).sort();
  }
}
