/** Gyre's own version, and the MLflow API level it emulates (what `/version` reports to MLflow clients). */
export const GYRE_VERSION = "0.1.0";
export const MLFLOW_API_VERSION = "2.16.2";
