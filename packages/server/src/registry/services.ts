import type { ArtifactService } from "../artifacts/service.js";
import { AliasService } from "./aliases.js";
import { AuditService } from "./audit.js";
import type { RegistryContext } from "./context.js";
import { ModelUriResolver } from "./model-uri.js";
import { RegisteredModelService } from "./models.js";
import { RegistrySearchService } from "./search.js";
import { ModelVersionService } from "./versions.js";

/** The registry domain's public surface: one service per concern, wired once. */
export interface RegistryServices {
  models: RegisteredModelService;
  versions: ModelVersionService;
  aliases: AliasService;
  search: RegistrySearchService;
  audit: AuditService;
  /** Resolves models:/ and runs:/ URIs wherever a model is accepted. */
  uris: ModelUriResolver;
}

/** `artifacts` reads model manifests from the server's artifact store at registration. */
export function createRegistryServices(ctx: RegistryContext, artifacts: ArtifactService): RegistryServices {
  const uris = new ModelUriResolver(ctx);
  return {
    models: new RegisteredModelService(ctx),
    versions: new ModelVersionService(ctx, artifacts, uris),
    aliases: new AliasService(ctx, uris),
    search: new RegistrySearchService(ctx),
    audit: new AuditService(ctx),
    uris,
  };
}
