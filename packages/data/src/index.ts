export {
  type AnalysisPhase,
  type AnalyzeOptions,
  analyzeFiles,
  type DatasetAnalysis,
  directoriesOf,
  materializeQuery,
} from "./analyze.js";
export { describeExpectation } from "./describe.js";
export { contentDigest } from "./digest.js";
export * from "./drift/index.js";
export { durbinCdf, kolmogorovSf, pelzGoodCdf, smirnovSf } from "./drift/kolmogorov.js";
export { exactOutsideProbability, ks2SamplePValue } from "./drift/ks.js";
export { type DriftColumnType, driftColumnType, selectDriftTest } from "./drift/selection.js";
export { chiSquareSf, normalCdf } from "./drift/special.js";
export {
  chiSquareTest,
  jensenShannon,
  klDivergence,
  normedWasserstein,
  populationStabilityIndex,
  zTest,
} from "./drift/statistics.js";
export { DataEngine, type EngineOptions, withEngine } from "./engine.js";
export { DEFAULT_SAMPLE_SIZE, type EvaluateOptions, evaluateSuite, suiteReferences } from "./evaluate.js";
export {
  type DataFile,
  type DataFormat,
  formatOf,
  formatSummary,
  listDataFiles,
  SUPPORTED_EXTENSIONS,
} from "./files.js";
export { binEdges } from "./histogram.js";
export { importModule } from "./modules.js";
export { EXACT_DISTINCT_LIMIT, EXACT_QUANTILE_ROWS, profileTable, TOP_VALUES } from "./profile.js";
export { familyOf, type TypeFamily, typeMatches } from "./schema.js";
export { defineSuite, expect, parseSuite, parseSuiteJson } from "./suite.js";
export { loadSuiteFile } from "./suite-file.js";
export { materializeText, type Table, tableOverFiles, tableOverQuery } from "./table.js";
export { type ValidateFilesOptions, validateFiles } from "./validate.js";
