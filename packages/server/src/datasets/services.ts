import { DatasetCatalogService } from "./catalog.js";
import type { DatasetsContext } from "./context.js";
import { DatasetRegistrationService } from "./registration.js";
import { DatasetValidationService } from "./validation.js";

/** The datasets domain's public surface: one service per concern, wired once. */
export interface DatasetServices {
  catalog: DatasetCatalogService;
  registration: DatasetRegistrationService;
  validation: DatasetValidationService;
}

export function createDatasetServices(ctx: DatasetsContext): DatasetServices {
  return {
    catalog: new DatasetCatalogService(ctx),
    registration: new DatasetRegistrationService(ctx),
    validation: new DatasetValidationService(ctx),
  };
}
