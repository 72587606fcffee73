/**
 * Bare model names LiteLLM knows the provider of, for providers no Sluice plugin serves yet: such
 * a deployment is skipped with "provider … is not yet supported" rather than sent to the fallback
 * provider under a name it does not know. Served providers declare theirs in plugin.json
 * (`provides.modelNamePrefixes`); a provider here moves there when its plugin arrives.
 */
export const UNSERVED_PROVIDER_PREFIXES: Readonly<Record<string, readonly string[]>> = {};
