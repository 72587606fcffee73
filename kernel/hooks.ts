/**
 * The five hook points, built in one place. The hook class is the semantics: `preAuth` bails on the
 * first principal, `preCall`/`postCall` are waterfalls that may replace the value or throw a coded
 * verdict, `onSpend`/`onAudit` are parallel observers run off the request path.
 * `postCallChunk` is the streaming lane of `postCall` (one call per chunk for plugins that asked).
 */
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook } from 'tapable';
import type {
  AuditEvent,
  AuthInput,
  CallContext,
  ChunkContext,
  Principal,
  ResponseContext,
  SpendEvent,
} from '@sluice/plugin-sdk';

export interface KernelHooks {
  readonly preAuth: AsyncSeriesBailHook<[AuthInput], Principal | undefined>;
  readonly preCall: AsyncSeriesWaterfallHook<[CallContext]>;
  readonly postCall: AsyncSeriesWaterfallHook<[ResponseContext]>;
  readonly postCallChunk: AsyncSeriesWaterfallHook<[ChunkContext]>;
  readonly onSpend: AsyncParallelHook<[Readonly<SpendEvent>]>;
  readonly onAudit: AsyncParallelHook<[Readonly<AuditEvent>]>;
}

export function createHooks(): KernelHooks {
  return Object.freeze({
    preAuth: new AsyncSeriesBailHook<[AuthInput], Principal | undefined>(['input'], 'preAuth'),
    preCall: new AsyncSeriesWaterfallHook<[CallContext]>(['ctx'], 'preCall'),
    postCall: new AsyncSeriesWaterfallHook<[ResponseContext]>(['ctx'], 'postCall'),
    postCallChunk: new AsyncSeriesWaterfallHook<[ChunkContext]>(['ctx'], 'postCall'),
    onSpend: new AsyncParallelHook<[Readonly<SpendEvent>]>(['event'], 'onSpend'),
    onAudit: new AsyncParallelHook<[Readonly<AuditEvent>]>(['event'], 'onAudit'),
  });
}
