/** Exporters for the model and transformer kinds that do not export themselves, by `kind`. */
import { exportDateParts } from "./date-parts-export.js";
import { exportOneHotEncoder, exportOrdinalEncoder } from "./encode-export.js";
import type { ModelExporter, TransformerExporter } from "./exportable.js";
import { exportSimpleImputer } from "./impute-export.js";
import { exportKMeans } from "./kmeans-export.js";
import { exportLinearRegressor, exportLogisticRegression } from "./linear-export.js";
import { exportAffineScaler } from "./scale-export.js";
import { exportTreeClassifier, exportTreeRegressor } from "./tree-export.js";

export const builtinModelExporters: Readonly<Record<string, ModelExporter>> = {
  linear_regression: exportLinearRegressor,
  ridge: exportLinearRegressor,
  logistic_regression: exportLogisticRegression,
  decision_tree_classifier: exportTreeClassifier,
  random_forest_classifier: exportTreeClassifier,
  hist_gradient_boosting_classifier: exportTreeClassifier,
  decision_tree_regressor: exportTreeRegressor,
  random_forest_regressor: exportTreeRegressor,
  hist_gradient_boosting_regressor: exportTreeRegressor,
  kmeans: exportKMeans,
};

export const builtinTransformerExporters: Readonly<Record<string, TransformerExporter>> = {
  simple_imputer: exportSimpleImputer,
  standard_scaler: exportAffineScaler,
  min_max_scaler: exportAffineScaler,
  one_hot_encoder: exportOneHotEncoder,
  ordinal_encoder: exportOrdinalEncoder,
  date_parts: exportDateParts,
};
