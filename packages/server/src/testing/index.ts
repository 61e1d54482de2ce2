export { callJson, type JsonAnswer, postJson, startScratchGyre, startServingGyre } from "./http.js";
export {
  postgresUnreachable,
  type ScratchStore,
  scratchPostgresStore,
  scratchSqliteStore,
} from "./scratch-stores.js";
