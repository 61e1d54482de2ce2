/** What other packages (the CLI) use of the monitoring domain besides its HTTP API. */
export { CHECKPOINT_FILE, type IngestResult, ingestJsonlLog } from "./ingest/jsonl-log.js";
