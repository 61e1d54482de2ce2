import { GyreError } from "@gyre/core";
import { AllowedDirectories } from "@gyre/core/paths";
import { directoriesFlag } from "../command.js";
import { UsageError } from "../usage-error.js";

export const ALLOWED_MODULES_HELP: [string, string] = [
  "--allowed-modules DIR[,DIR]",
  "Import pipeline modules only from these directories; triggers and jobs name their module, and importing runs it (default: any)",
];

/** `--allowed-modules`, relative directories taken from the working directory; undefined: any. */
export async function allowedModulesFlag(value: string | undefined): Promise<AllowedDirectories | undefined> {
  if (value === undefined) return undefined;
  try {
    return await AllowedDirectories.of(directoriesFlag(value), "--allowed-modules: directory");
  } catch (error) {
    throw error instanceof GyreError ? new UsageError(error.message) : error;
  }
}
