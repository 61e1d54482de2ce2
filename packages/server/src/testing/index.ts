export {
  postgresUnreachable,
  type ScratchStore,
  scratchPostgresStore,
  scratchSqliteStore,
} from "./scratch-stores.js";
