/**
 * `POST /v1/images/edits` and `/v1/images/variations`: the multipart form read (bounded, in
 * memory) into an `ImageRequest`. As LiteLLM's proxy: images come as `image` or `image[]` (not
 * both, 422), the mask as `mask` or `mask[]`, numeric fields (`n`, `output_compression`,
 * `partial_images`) become numbers. Every upload must be a PNG, JPEG, WEBP or GIF, checked by its
 * bytes, so a stray file fails here with a clear 400 instead of upstream.
 */
import type { JsonObject, ProviderFile, RouteRequest } from '@sluice/plugin-sdk';
import { readMultipart, type MultipartLimits } from '@sluice/plugin-sdk/node';
import { ImageErrors } from './errors.js';
import { ROUTE_LABEL, checkCount, chooseModel, type ImageRequest } from './image-request.js';
import { imageKind } from './image-kind.js';

export interface UploadLimits {
  maxUploadBytes: number;
  maxFileBytes: number;
  maxImages: number;
}

const NUMERIC_FIELDS = new Set(['n', 'output_compression', 'partial_images']);
/** Text fields an images form may carry; more than this many is not a real client. */
const MAX_FIELDS = 32;

export async function imageFormRequest(
  req: RouteRequest,
  endpoint: 'image_edit' | 'image_variation',
  limits: UploadLimits,
  pathModel: string | undefined,
  serverDefault: string | undefined,
): Promise<ImageRequest> {
  const route = ROUTE_LABEL[endpoint];
  const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
  const multipartLimits: MultipartLimits = {
    maxBytes: limits.maxUploadBytes,
    maxFileBytes: limits.maxFileBytes,
    // The images and a mask (or two, `mask` and `mask[]`, refused below with LiteLLM's 422).
    maxFiles: limits.maxImages + 2,
    maxFields: MAX_FIELDS,
  };
  const form = await readMultipart(req.body as AsyncIterable<Uint8Array>, contentType, multipartLimits);

  const params: JsonObject = {};
  for (const [name, value] of Object.entries(form.fields)) {
    if (Array.isArray(value)) throw ImageErrors.REPEATED_FIELD({ route, field: name.slice(0, 100) }, { param: name.slice(0, 100) });
    if (name === 'image' || name === 'mask' || name === 'image[]' || name === 'mask[]') {
      throw ImageErrors.FILE_AS_STRING({ field: name.replace('[]', '') }, { param: name.replace('[]', '') });
    }
    params[name] = NUMERIC_FIELDS.has(name) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  checkCount(params.n, route);

  const allowed = endpoint === 'image_edit' ? ['image', 'image[]', 'mask', 'mask[]'] : ['image'];
  const images: ProviderFile[] = [];
  const masks: ProviderFile[] = [];
  const seen = new Set<string>();
  for (const file of form.files) {
    if (!allowed.includes(file.field)) {
      throw ImageErrors.UNEXPECTED_FILE({ field: file.field.slice(0, 100), route, allowed: allowed.map((a) => `\`${a}\``).join(', ') });
    }
    seen.add(file.field);
    if (imageKind(file.data) === undefined) throw ImageErrors.NOT_AN_IMAGE({ field: file.field.replace('[]', '') }, { param: file.field.replace('[]', '') });
    (file.field.startsWith('mask') ? masks : images).push(file);
  }
  if (seen.has('image') && seen.has('image[]')) throw ImageErrors.BOTH_FIELDS({ field: 'image' });
  if (seen.has('mask') && seen.has('mask[]')) throw ImageErrors.BOTH_FIELDS({ field: 'mask' });
  if (endpoint === 'image_variation') {
    if (images.length === 0) throw ImageErrors.MISSING_PARAMETER({ route, field: 'image' }, { param: 'image' });
    if (images.length > 1) throw ImageErrors.REPEATED_FIELD({ route, field: 'image' }, { param: 'image' });
  }

  const model = chooseModel(endpoint, pathModel, serverDefault, params.model);
  const prompt = typeof params.prompt === 'string' ? params.prompt : undefined;
  return { endpoint, model, prompt, params, files: upstreamFiles(images, masks) };
}

/** As OpenAI's SDK sends them: one image as `image`, several as `image[]`; the mask as `mask`. */
function upstreamFiles(images: ProviderFile[], masks: ProviderFile[]): ProviderFile[] {
  const field = images.length > 1 ? 'image[]' : 'image';
  return [...images.map((f) => ({ ...f, field })), ...masks.slice(0, 1).map((f) => ({ ...f, field: 'mask' }))];
}
