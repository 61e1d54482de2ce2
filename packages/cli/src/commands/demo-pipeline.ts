import { continuousTraining } from "@gyre/pipelines";
import { demoHooks } from "./demo-hooks.js";

/**
 * The module `gyre demo`'s alert trigger names: it exports the continuous-training pipeline with
 * the demo's hooks, so a trigger (or `gyre pipelines run`) can import and run it in any process.
 */
export default continuousTraining(demoHooks());
