export {
  FeatureCatalog,
  type FeatureSelection,
  type ResolvedView,
  type SelectedFeature,
} from "./catalog.js";
export {
  defineRepository,
  type FeatureRepositoryModule,
  type FeatureViewInput,
  normalizeTtl,
  type RepositoryInput,
} from "./define.js";
export { type MaterializeView, materializeView } from "./materialize.js";
export {
  type HistoricalJoin,
  historicalQuery,
  type OutputFormat,
  outputFormatOf,
  writeHistorical,
} from "./offline/historical.js";
export { checkViewSource, defineSource, type SourceData, tieOrder, viewRows } from "./offline/source.js";
export { openOnlineStore } from "./online/open.js";
export {
  checkEntityRows,
  getOnlineFeatures,
  getOnlineFeaturesText,
  type OnlineResponse,
  type OnlineResult,
  type Transformation,
} from "./online/retrieve.js";
export {
  NO_CREATED_TIME,
  type OnlineRead,
  type OnlineRecord,
  type OnlineRow,
  type OnlineStore,
} from "./online/store.js";
export { type LoadedRepository, loadRepository, REPOSITORY_FILES } from "./repository.js";
export { encodeKey, type KeyValue, keyMatches } from "./values.js";
