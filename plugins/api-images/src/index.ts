/**
 * OpenAI's images API as LiteLLM's proxy serves it (`litellm/proxy/image_endpoints/endpoints.py`):
 * generations (JSON), edits and variations (multipart uploads), each with and without `/v1`, and
 * generations and edits on Azure's `/openai/deployments/{model}/` paths.
 */
import { definePlugin, type RouteDefinition } from '@sluice/plugin-sdk';
import type { ApiImagesConfig } from './config.generated.js';
import { serveImageCall } from './image-call.js';
import { imageFormRequest, type UploadLimits } from './image-form.js';
import { generationRequest } from './image-request.js';

const DEFAULT_UPLOAD_BYTES = 50 * 1024 * 1024;
const DEFAULT_IMAGES = 16;

export default definePlugin<ApiImagesConfig>({
  id: 'api-images',
  version: '1.0.0',
  apiVersion: '^2',
  setup(_ctx, config) {
    const serverDefault = config.image_generation_model;
    const timeoutMs = config.timeout_s !== undefined ? Math.round(config.timeout_s * 1000) : undefined;
    const limits: UploadLimits = {
      maxUploadBytes: config.max_upload_bytes ?? DEFAULT_UPLOAD_BYTES,
      maxFileBytes: Math.min(config.max_file_bytes ?? DEFAULT_UPLOAD_BYTES, config.max_upload_bytes ?? DEFAULT_UPLOAD_BYTES),
      maxImages: config.max_images ?? DEFAULT_IMAGES,
    };
    const pathModel = (params: Record<string, string>) => (params.model ? params.model : undefined);

    const generation: RouteDefinition['handler'] = async (req) => serveImageCall(req, generationRequest(req.body, pathModel(req.params), serverDefault), timeoutMs);
    const edit: RouteDefinition['handler'] = async (req) =>
      serveImageCall(req, await imageFormRequest(req, 'image_edit', limits, pathModel(req.params), serverDefault), timeoutMs);
    // LiteLLM's proxy has no variations route (its SDK has `image_variation`); the server default is for generations and edits.
    const variation: RouteDefinition['handler'] = async (req) => serveImageCall(req, await imageFormRequest(req, 'image_variation', limits, undefined, undefined), timeoutMs);

    const upload = { body: 'stream' as const, maxBodyBytes: limits.maxUploadBytes };
    const routes: RouteDefinition[] = [];
    for (const url of ['/v1/images/generations', '/images/generations', '/openai/deployments/:model/images/generations']) {
      routes.push({ method: 'POST', url, access: 'authenticated', summary: 'Create images from a prompt', tags: ['images'], handler: generation });
    }
    for (const url of ['/v1/images/edits', '/images/edits', '/openai/deployments/:model/images/edits']) {
      routes.push({ method: 'POST', url, access: 'authenticated', ...upload, summary: 'Edit images (multipart upload)', tags: ['images'], handler: edit });
    }
    for (const url of ['/v1/images/variations', '/images/variations']) {
      routes.push({ method: 'POST', url, access: 'authenticated', ...upload, summary: 'Create variations of an image (multipart upload)', tags: ['images'], handler: variation });
    }
    return { routes };
  },
});
