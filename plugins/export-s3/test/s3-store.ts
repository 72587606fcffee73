/**
 * A real S3-compatible server for the tests: s3rver (an S3 REST API over a directory) on a free
 * loopback port in a temp dir, with one bucket, and a record of every request's method, path and
 * headers (s3rver keeps no SSE settings, so the test reads the wire).
 */
import { createRequire } from 'node:module';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { tempDir } from '../../../test/support/gateway.js';

/** s3rver's own access key pair: it checks every request's SigV4 signature against it. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface SeenS3Request {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3Store {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  bucket: string;
  directory: string;
  requests: SeenS3Request[];
  close(): Promise<void>;
}

export async function startS3Store(bucket = 'llm-logs', directory = tempDir('s3rver-')): Promise<S3Store> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const requests: SeenS3Request[] = [];
  server.httpServer.prependListener('request', (req: IncomingMessage) => requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }));
  return { url: `http://127.0.0.1:${port}`, port, bucket, directory, requests, close: () => server.close() };
}
