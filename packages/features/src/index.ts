export {
  FeatureCatalog,
  type FeatureSelection,
  type ResolvedView,
  type SelectedFeature,
} from "./catalog.js";
export {
  type HistoricalJoin,
  historicalQuery,
  type OutputFormat,
  outputFormatOf,
  writeHistorical,
} from "./offline/historical.js";
export { checkViewSource, defineSource, type SourceData, viewRows } from "./offline/source.js";
export { encodeKey, type KeyValue, keyMatches } from "./values.js";
