/**
 * OpenAI message content → Gemini `parts`: text, and media either inline (`inlineData`, from
 * data URLs and base64 audio/files) or by reference (`fileData`, for http(s) and gs:// URLs,
 * which Gemini fetches itself).
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { badRequest } from './google-errors.js';
import { isObject } from './gemini-schema.js';

/** Gemini needs a MIME type for `fileData`; an image URL without a known extension is taken as JPEG. */
const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  aac: 'audio/aac',
  mp4: 'video/mp4',
  mov: 'video/mov',
  webm: 'video/webm',
};

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;

export function toParts(content: JsonValue | undefined, where: string): JsonObject[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  if (!Array.isArray(content)) throw badRequest(`${where}.content must be a string or an array of parts`);
  return content.map((part, i) => toPart(part, `${where}.content[${i}]`));
}

function toPart(part: JsonValue, where: string): JsonObject {
  if (!isObject(part)) throw badRequest(`${where} must be an object`);
  switch (part.type) {
    case 'text':
      return { text: String(part.text ?? '') };
    case 'refusal':
      return { text: String(part.refusal ?? '') };
    case 'image_url': {
      const image = part.image_url;
      const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined;
      if (typeof url !== 'string') throw badRequest(`${where}.image_url.url must be a string`);
      const format = isObject(image) && typeof image.format === 'string' ? image.format : undefined;
      return mediaPart(url, format, 'image/jpeg', where);
    }
    case 'input_audio': {
      const audio = part.input_audio;
      if (!isObject(audio) || typeof audio.data !== 'string') throw badRequest(`${where}.input_audio.data must be a base64 string`);
      return { inlineData: { mimeType: `audio/${typeof audio.format === 'string' ? audio.format : 'wav'}`, data: audio.data } };
    }
    case 'file': {
      const file = part.file;
      if (!isObject(file)) throw badRequest(`${where}.file must be an object`);
      const format = typeof file.format === 'string' ? file.format : undefined;
      if (typeof file.file_data === 'string') return mediaPart(file.file_data, format, 'application/pdf', where);
      if (typeof file.file_id === 'string') return mediaPart(file.file_id, format, 'application/pdf', where);
      throw badRequest(`${where}.file needs file_data or file_id`);
    }
    default:
      throw badRequest(`${where}: content part type ${JSON.stringify(part.type)} is not supported by Gemini`);
  }
}

/** A data URL goes inline; anything else is a URI Gemini fetches (`https://…`, `gs://…`, a Files API URI). */
function mediaPart(url: string, format: string | undefined, fallbackMime: string, where: string): JsonObject {
  if (url.startsWith('data:')) {
    const m = DATA_URL.exec(url);
    if (!m) throw badRequest(`${where}: malformed data URL`);
    const params = m[2]!.split(';');
    const base64 = params.includes('base64');
    const data = base64 ? m[3]! : Buffer.from(decodeURIComponent(m[3]!), 'utf8').toString('base64');
    return { inlineData: { mimeType: m[1] || format || 'text/plain', data } };
  }
  if (!/^(https?|gs):\/\//i.test(url)) throw badRequest(`${where}: media URLs must be data:, http(s):// or gs:// URLs`);
  return { fileData: { mimeType: format ?? mimeOfPath(url) ?? fallbackMime, fileUri: url } };
}

function mimeOfPath(url: string): string | undefined {
  const path = url.replace(/[?#].*$/, '');
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? MIME_BY_EXTENSION[path.slice(dot + 1).toLowerCase()] : undefined;
}

/** The text of a tool result or system message: a string, or the text parts of an array. */
export function textOf(content: JsonValue | undefined, where: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw badRequest(`${where}.content must be a string or an array of text parts`);
  return content
    .map((part, i) => {
      if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') throw badRequest(`${where}.content[${i}] must be a text part`);
      return part.text;
    })
    .join('');
}
