/** Loaders for saved linear models, for `FittedPipeline.fromJSON`. */
import type { ModelLoader } from "../pipeline/model.js";
import { LinearRegressor } from "./least-squares.js";
import { LogisticRegressionModel } from "./logistic.js";

export const linearModelLoaders: Readonly<Record<string, ModelLoader>> = {
  linear_regression: LinearRegressor.fromJSON,
  ridge: LinearRegressor.fromJSON,
  logistic_regression: LogisticRegressionModel.fromJSON,
};
