/**
 * gyre-model.json's schema moved to @gyre/core, so the SDK can write manifests without the
 * runtime's dependencies; re-exported here for the modules that read them.
 */
export { innerPath, MANIFEST_FILE, type Manifest, manifestSchema } from "@gyre/core";
