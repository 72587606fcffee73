/**
 * Model allow-lists: a principal with a `models` list (a key's, narrowed by its team and project in
 * principal.ts) calls and lists only those model groups; an empty list means all. The kernel asks
 * after the preCall hooks, so the check sees the model they settled on. It applies to any
 * principal carrying a list, whichever plugin authenticated it.
 */
import type { ModelAccess } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';

export const principalModelAccess: ModelAccess = {
  checkCall(principal, model) {
    const allowed = principal.models;
    if (allowed && allowed.length > 0 && !allowed.includes(model)) throw KeyErrors.MODEL_NOT_ALLOWED({ model, allowed: JSON.stringify(allowed) });
  },
  visibleModels(principal, models) {
    const allowed = principal.models;
    return allowed && allowed.length > 0 ? models.filter((m) => allowed.includes(m.id)) : models;
  },
};
