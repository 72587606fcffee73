/**
 * A token issuer for the tests: real RSA / EC key pairs (jose), a JWKS served over HTTP on
 * loopback that can rotate its keys and counts its fetches, and a signer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export const ISSUER = 'https://idp.example.test';
export const AUDIENCE = 'sluice-api';

/** A signed token: `iss`, `aud`, `iat`, `exp` (+1 h) filled unless given (null leaves one out). */
export async function sign(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === null) delete payload[k];
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

export const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export interface JwksServer {
  url: string;
  /** How many times the JWKS was fetched. */
  fetches: number;
  keys: SigningKey[];
  /** Serve these keys from now on. */
  publish(keys: SigningKey[]): void;
  close(): Promise<void>;
}

export async function jwksServer(keys: SigningKey[]): Promise<JwksServer> {
  const state = { keys, fetches: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: ISSUER, jwks_uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks` }));
      return;
    }
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return {
    url,
    get fetches() {
      return state.fetches;
    },
    get keys() {
      return state.keys;
    },
    publish(next) {
      state.keys = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `check` until it is true or `ms` passed. */
export async function until(check: () => Promise<boolean> | boolean, ms = 5_000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
