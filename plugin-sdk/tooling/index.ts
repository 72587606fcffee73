/** Plugin-author tooling behind `sluice plugin init|build|pack|verify`. Build-time only: never imported by the gateway's request path. */
export { buildPlugin, BUNDLE_FILE, BUNDLE_GLOBAL, PACKAGE_FILES, type BuildOptions, type BuildResult } from './build-plugin.js';
export { inspectBundle, type BundleIdentity } from './inspect-bundle.js';
export { initPlugin, isPluginId, isPluginKind, PLUGIN_KINDS, type InitOptions, type InitResult, type PluginKind } from './init-plugin.js';
export { packageDigest, readPackageFiles, type PackageFiles } from './package-files.js';
export { packPlugin, type PackResult } from './pack-plugin.js';
export { PluginToolingError } from './tooling-error.js';
export { SANDBOX_CAPABILITIES, verifyPlugin, type VerifyResult } from './verify-plugin.js';
