/**
 * Where a huggingface/ deployment's calls go, as LiteLLM decides it:
 * - an `api_base` (a dedicated Inference Endpoint, a TGI server): its OpenAI-compatible chat
 *   route (`/v1/chat/completions` appended unless given), the model name sent as written;
 * - `HF_API_BASE` / `HUGGINGFACE_API_BASE` in the environment: used as the whole chat URL;
 * - `huggingface/https://…`: that URL, as for an api_base;
 * - `huggingface/<provider>/<org>/<model>`: the router's route for that inference provider, with
 *   the provider's own model id (looked up on the Hub);
 * - `huggingface/<org>/<model>`: the router's own `/v1/chat/completions`, which picks a provider.
 */
export type ChatRoute =
  | { kind: 'fixed'; url: string; model: string }
  | { kind: 'provider'; url: string; provider: string; modelId: string };

export function chatCompletionUrl(base: string): string {
  let url = base.replace(/\/+$/, '');
  if (url.endsWith('/v1')) url += '/chat/completions';
  if (!url.endsWith('/chat/completions')) url += '/v1/chat/completions';
  return url;
}

export function chatRoute(model: string, apiBase: string | undefined, envBase: string | undefined, routerUrl: string): ChatRoute {
  if (apiBase) return { kind: 'fixed', url: chatCompletionUrl(apiBase), model };
  if (envBase) return { kind: 'fixed', url: envBase.replace(/\/+$/, ''), model };
  if (/^https?:\/\//.test(model)) return { kind: 'fixed', url: chatCompletionUrl(model), model };
  const slash = model.indexOf('/');
  const rest = slash === -1 ? '' : model.slice(slash + 1);
  if (slash > 0 && rest.includes('/')) {
    const provider = model.slice(0, slash);
    const route =
      provider === 'hf-inference'
        ? `hf-inference/models/${rest}/v1/chat/completions`
        : provider === 'novita'
          ? 'novita/v3/openai/chat/completions'
          : provider === 'fireworks-ai'
            ? 'fireworks-ai/inference/v1/chat/completions'
            : `${provider}/v1/chat/completions`;
    return { kind: 'provider', url: `${routerUrl}/${route}`, provider, modelId: rest };
  }
  return { kind: 'fixed', url: `${routerUrl}/v1/chat/completions`, model };
}

/** Embeddings: the deployment's URL when it has one, else the router's feature-extraction pipeline for the model. */
export function embeddingUrl(model: string, apiBase: string | undefined, envBase: string | undefined, routerUrl: string): string {
  if (/^https?:\/\//.test(model)) return model;
  if (apiBase) return apiBase;
  if (envBase) return envBase;
  return `${routerUrl}/hf-inference/models/${model}/pipeline/feature-extraction`;
}
