/**
 * The multipart upload of a transcription or translation, read with the SDK's bounded reader:
 * everything in memory (the file is at most `max_upload_bytes`), no temp files.
 */
import { MultipartErrors, readMultipart, type MultipartForm } from '@sluice/plugin-sdk/node';
import { isVerdict, type RouteRequest } from '@sluice/plugin-sdk';
import { AudioErrors } from './errors.js';

/** Form parts beyond these are refused (413): `file` plus OpenAI's dozen fields, some repeated (`timestamp_granularities[]`). */
const MAX_FIELDS = 64;
const MAX_FILES = 1;

export async function readUploadForm(req: RouteRequest, maxBytes: number): Promise<MultipartForm> {
  const header = req.headers['content-type'];
  const contentType = Array.isArray(header) ? header[0] : header;
  try {
    return await readMultipart(req.body as AsyncIterable<Uint8Array>, contentType, { maxBytes, maxFileBytes: maxBytes, maxFiles: MAX_FILES, maxFields: MAX_FIELDS });
  } catch (err) {
    // No Content-Type at all is a request without a form (LiteLLM: the file is missing), not a wrong type.
    if (contentType === undefined && isVerdict(err) && err.code === MultipartErrors.UNSUPPORTED_CONTENT_TYPE.code) throw AudioErrors.NOT_MULTIPART();
    throw err;
  }
}
