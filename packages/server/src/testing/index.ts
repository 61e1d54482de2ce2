export { callJson, type JsonAnswer, postJson, startServingGyre } from "./http.js";
export {
  postgresUnreachable,
  type ScratchStore,
  scratchPostgresStore,
  scratchSqliteStore,
} from "./scratch-stores.js";
