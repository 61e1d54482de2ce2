/** The reference split (ml-baselines.md §0) of a shared data set, through @gyre/ml's own loaders. */
import {
  type ClassTarget,
  type DatasetName,
  type Frame,
  loadDataset,
  takeRows,
  takeTarget,
  trainTestSplit,
} from "@gyre/ml";

export interface SplitData {
  readonly train: Frame;
  readonly test: Frame;
  readonly yTrain: ClassTarget;
  readonly yTest: ClassTarget;
}

export function referenceSplit(name: DatasetName, dataDir: string): SplitData {
  const dataset = loadDataset(name, dataDir);
  if (dataset.task === "regression") throw new Error(`${name}: the ML benchmark uses classification sets`);
  const split = trainTestSplit(dataset.features.nRows);
  return {
    train: takeRows(dataset.features, split.train),
    test: takeRows(dataset.features, split.test),
    yTrain: takeTarget(dataset.target, split.train) as ClassTarget,
    yTest: takeTarget(dataset.target, split.test) as ClassTarget,
  };
}
