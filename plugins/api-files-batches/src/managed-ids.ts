/**
 * The ids clients see, in LiteLLM's formats (`litellm/proxy/openai_files_endpoints/common_utils.py`):
 * - a file or batch made through a model group (`model`) carries it: `file-` / `batch_` +
 *   base64url(`litellm:<provider id>;model,<group>`), unpadded (`encode_file_id_with_model`);
 * - a managed file (`target_model_names`) gets a unified id: base64url(`litellm_proxy:<content
 *   type>;unified_id,<uuid>;target_model_names,<names>`), unpadded.
 * The id alone never routes a call: the stored row (looked up by this id) says which deployment
 * holds the object and who owns it, so a forged id finds nothing.
 */
import { randomUUID } from 'node:crypto';

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

export function encodeWithModel(providerId: string, model: string, kind: 'file' | 'batch'): string {
  const prefix = providerId.startsWith('batch_') ? 'batch_' : providerId.startsWith('file-') ? 'file-' : kind === 'batch' ? 'batch_' : 'file-';
  return prefix + b64url(`litellm:${providerId};model,${model}`);
}

export function unifiedFileId(contentType: string, targetModelNames: readonly string[]): string {
  return b64url(`litellm_proxy:${contentType};unified_id,${randomUUID()};target_model_names,${targetModelNames.join(',')}`);
}
