import type { Command } from "../command.js";
import { modelsAliasDeleteCommand, modelsAliasSetCommand } from "./models-alias.js";
import { modelsHistoryCommand } from "./models-history.js";
import { modelsListCommand } from "./models-list.js";
import { modelsRegisterCommand } from "./models-register.js";
import { modelsShowCommand } from "./models-show.js";
import { modelsStageCommand } from "./models-stage.js";

/** `gyre models …`, in the order the usage lists them. */
export const modelsCommands: readonly Command[] = [
  modelsRegisterCommand,
  modelsListCommand,
  modelsShowCommand,
  modelsAliasSetCommand,
  modelsAliasDeleteCommand,
  modelsStageCommand,
  modelsHistoryCommand,
];
