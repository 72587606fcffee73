/**
 * The code that runs inside a plugin's isolate before the plugin's bundle: it turns host
 * callbacks into the SDK's capability objects, calls the plugin's hooks, and moves every value
 * across the boundary as JSON text (copies only; no References are ever handed to plugin code).
 *
 * Host-provided globals (deleted from the global object once captured):
 *   __sluiceSettle(callId, json)        a hook call finished
 *   __sluiceHostCall(id, op, json)      start an async capability call (http, kv, secrets)
 *   __sluiceLog(level, message, json)   log through the gateway's logger
 *   __sluiceNow()                       Date.now() of the host
 *
 * `WebAssembly` is removed before any plugin code runs: Wasm memories live outside the V8 heap, so
 * `memory_mb` would not bound them (six 128 MiB memories fit under a 32 MB limit otherwise).
 */
import { MAX_LOG_FIELDS_JSON, MAX_LOG_MESSAGE } from '../logging/bounded-fields.js';

export const ISOLATE_RUNTIME = String.raw`
(() => {
  'use strict';
  const g = globalThis;
  const settle = g.__sluiceSettle, hostCall = g.__sluiceHostCall, hostLog = g.__sluiceLog, hostNow = g.__sluiceNow;
  delete g.__sluiceSettle; delete g.__sluiceHostCall; delete g.__sluiceLog; delete g.__sluiceNow;
  delete g.WebAssembly;
  if (typeof g.WebAssembly !== 'undefined') throw new Error('WebAssembly could not be removed from the isolate');
  // Captured now: plugin code may replace JSON.stringify later, not what the log bound relies on.
  const stringify = JSON.stringify;

  const waiting = new Map();
  let seq = 0;
  const call = (op, args) => new Promise((resolve, reject) => {
    const id = ++seq;
    waiting.set(id, { resolve, reject });
    hostCall(id, op, JSON.stringify(args === undefined ? null : args));
  });
  const reply = (id, ok, json) => {
    const w = waiting.get(id);
    if (!w) return;
    waiting.delete(id);
    if (ok) w.resolve(JSON.parse(json)); else w.reject(new Error(json));
  };

  // Oversized fields never cross to the host: the host bounds each field of what does cross.
  const MAX_LOG_JSON = ${MAX_LOG_FIELDS_JSON}, MAX_LOG_MESSAGE = ${MAX_LOG_MESSAGE};
  const log = {};
  for (const level of ['debug', 'info', 'warn', 'error']) {
    log[level] = (a, b) => {
      const message = typeof a === 'string' ? a : (typeof b === 'string' ? b : '');
      const fields = typeof a === 'object' && a !== null ? a : undefined;
      let json; try { json = fields === undefined ? undefined : stringify(fields); } catch { json = undefined; }
      if (typeof json === 'string' && json.length > MAX_LOG_JSON) json = stringify({ dropped: 'fields of ' + json.length + ' characters; at most ' + MAX_LOG_JSON + ' are read' });
      hostLog(level, message.slice(0, MAX_LOG_MESSAGE), typeof json === 'string' ? json : undefined);
    };
  }
  log.child = () => log;

  // The SDK's verdict mark (VERDICT_BRAND; Symbol.for is shared inside the isolate too), or the name
  // alone for bundles built with an SDK from before the mark. The host then applies isVerdict's rule.
  const VERDICT_BRAND = Symbol.for('sluice.verdict');
  const errorOf = (e) => {
    if (e && typeof e === 'object' && (e[VERDICT_BRAND] === true || e.name === 'SluiceError') && typeof e.code === 'string') {
      return { verdict: { code: e.code, status: e.status, type: e.type, message: String(e.message), param: e.param === undefined ? null : e.param, envelopeCode: e.envelopeCode === undefined ? e.status : e.envelopeCode } };
    }
    return { fault: e && e.stack ? String(e.stack).slice(0, 2000) : String(e) };
  };

  let instance;
  const runtime = {
    reply,
    async setup(pluginId, version, grantsJson, configJson) {
      const grants = JSON.parse(grantsJson);
      const def = g.__sluicePlugin && (g.__sluicePlugin.default || g.__sluicePlugin);
      if (!def || typeof def.setup !== 'function') throw new Error('the bundle does not export definePlugin(...) as its default export');
      const ctx = { pluginId, version, log, now: () => hostNow() };
      if (grants.http) ctx.http = { fetch: (url, init) => call('http.fetch', { url: String(url), init: init || {} }) };
      if (grants.kv) ctx.kv = {
        get: (key) => call('kv.get', { key }),
        set: (key, value, opts) => call('kv.set', { key, value, opts }),
        delete: (key) => call('kv.delete', { key }),
        list: (prefix, limit) => call('kv.list', { prefix, limit }),
      };
      if (grants.secrets) ctx.secrets = { get: (name) => call('secrets.get', { name }) };
      instance = await def.setup(Object.freeze(ctx), JSON.parse(configJson));
      const post = instance && instance.postCall;
      return JSON.stringify({
        id: def.id, version: def.version, apiVersion: def.apiVersion,
        hooks: ['preAuth', 'preCall', 'onSpend', 'onAudit'].filter((h) => typeof (instance && instance[h]) === 'function'),
        postCall: typeof post === 'function' ? { streaming: 'none', response: true, chunk: false }
          : post ? { streaming: post.streaming || 'none', response: typeof post.response === 'function', chunk: typeof post.chunk === 'function' } : undefined,
        secretResolvers: Array.isArray(instance && instance.secretResolvers) ? instance.secretResolvers.map((r) => String(r.name)) : [],
        unsupported: ['routes', 'providers'].filter((k) => instance && instance[k] !== undefined),
      });
    },
    invoke(callId, hook, json) {
      let result, arg;
      // Waterfall hooks may change their argument in place and return nothing: send it back then.
      const waterfall = hook === 'preCall' || hook === 'postCall.response' || hook === 'postCall.chunk';
      try {
        arg = JSON.parse(json);
        if (hook === 'postCall.response') result = (typeof instance.postCall === 'function' ? instance.postCall : instance.postCall.response)(arg);
        else if (hook === 'postCall.chunk') result = instance.postCall.chunk(arg);
        else if (hook.startsWith('secret:')) result = instance.secretResolvers.find((r) => r.name === hook.slice(7)).get(arg);
        else result = instance[hook](arg);
      } catch (e) {
        settle(callId, JSON.stringify(errorOf(e)));
        return;
      }
      Promise.resolve(result).then(
        (value) => {
          if (value === undefined && waterfall) value = arg;
          let out; try { out = JSON.stringify({ value: value === undefined ? null : value, undef: value === undefined }); } catch (e) { out = JSON.stringify(errorOf(e)); } settle(callId, out); },
        (e) => settle(callId, JSON.stringify(errorOf(e))),
      );
    },
  };
  Object.defineProperty(g, '__sluiceRuntime', { value: Object.freeze(runtime), enumerable: false });
})();
`;
