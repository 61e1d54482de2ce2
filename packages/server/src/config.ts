import { z } from "zod";

/** Everything a Gyre server needs, validated once at the edge (CLI flags, env, config file). */
export const ServerConfig = z.object({
  backendStoreUri: z.string().min(1),
  artifactsDestination: z.string().min(1),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65_535).default(5000),
  logLevel: z
    .union([z.enum(["fatal", "error", "warn", "info", "debug", "trace"]), z.literal(false)])
    .default("info"),
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /**
   * Load and serve named deployments under /serving/{name} (`gyre server`). Off for a store opened
   * in-process by the CLI, which manages deployment specs without loading any model.
   */
  serveDeployments: z.boolean().default(false),
  /** How often deployments re-resolve aliases and re-read the store, in ms; 0 never. */
  deploymentPollMs: z.number().int().min(0).default(5000),
  /**
   * Monitoring's prediction store: `postgresql://…`, or a directory of Parquet files
   * (`parquet:///abs/dir`). Default: the metadata database when it is PostgreSQL, else
   * `<artifacts>/monitoring/predictions` for a local artifact destination.
   */
  predictionStoreUri: z.string().min(1).optional(),
  /** Days of predictions, labels and request counts kept (whole UTC days); 0 keeps everything. */
  predictionRetentionDays: z.number().int().min(0).default(30),
  /** Run scheduled monitors and prediction-store maintenance in this process (`gyre server`). */
  runMonitors: z.boolean().default(false),
  /** How often scheduled monitors are checked for being due, in ms. */
  monitorPollMs: z.number().int().positive().default(5000),
  /**
   * The feature store's online store: `sqlite:///path` or `redis://host:port[?prefix=…]`. Default:
   * `features-online.db` beside a local artifact destination.
   */
  featureOnlineStoreUri: z.string().min(1).optional(),
  /**
   * Directories that server paths named in requests (a dataset's `path`, a feature source's
   * `path`, get-historical's `entity_path` and `output_path`) must lie in; default any path.
   */
  allowedPaths: z.array(z.string().min(1)).optional(),
  /** A feature repository (directory or file) whose on-demand transformations the server runs. */
  featureRepository: z.string().min(1).optional(),
});
export type ServerConfig = z.output<typeof ServerConfig>;
export type ServerConfigInput = z.input<typeof ServerConfig>;

/** Default locations under a Gyre home directory ($GYRE_HOME or ./gyre-data, chosen by the caller). */
export function embeddedDefaults(home: string): { backendStoreUri: string; artifactsDestination: string } {
  return { backendStoreUri: `sqlite:///${home}/gyre.db`, artifactsDestination: `${home}/artifacts` };
}
