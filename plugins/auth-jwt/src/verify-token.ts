/**
 * Verifies a bearer JWT as LiteLLM's JWTHandler.auth_jwt does, with jose: the header is read
 * first (PyJWT's get_unverified_header messages), the key chosen by `kid` (jwks.ts), then the
 * signature and claims checked. Only asymmetric algorithms are accepted, and only the one the
 * key is for: `alg: none` and HS256 signed with the public key as a secret are refused.
 * Every refusal is LiteLLM's 401 (a token past `exp`: "Token Expired").
 */
import { errors as jose, jwtVerify, type JWTPayload } from 'jose';
import { JwtErrors } from './errors.js';
import type { JwksKeys } from './jwks.js';

/** LiteLLM's SUPPORTED_JWT_ALGORITHMS. */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface VerifyOptions {
  audience?: string;
  issuer?: string;
  leewaySeconds: number;
  requireExp: boolean;
  maxTokenBytes: number;
}

/** LiteLLM's is_jwt: three dot-separated parts. */
export function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  if (first <= 0) return false;
  const second = token.indexOf('.', first + 1);
  return second > first && token.indexOf('.', second + 1) === -1;
}

interface Header {
  alg?: unknown;
  kid?: unknown;
}

function readHeader(token: string): Header {
  const part = token.slice(0, token.indexOf('.'));
  if (!BASE64URL.test(part)) throw JwtErrors.MALFORMED({ reason: 'Invalid header padding' });
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (err) {
    throw JwtErrors.MALFORMED({ reason: `Invalid header string: ${(err as Error).message}` });
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw JwtErrors.MALFORMED({ reason: 'Invalid header string: must be a json object' });
  return header as Header;
}

/** PyJWT's wording for what jose refuses. */
function refusal(err: unknown): Error {
  if (err instanceof jose.JWTExpired) return JwtErrors.EXPIRED();
  if (err instanceof jose.JWTClaimValidationFailed) {
    const { claim, reason } = err;
    if (reason === 'missing') return JwtErrors.INVALID({ reason: `Token is missing the "${claim}" claim` });
    if (claim === 'nbf') return JwtErrors.INVALID({ reason: 'The token is not yet valid (nbf)' });
    if (claim === 'iat') return JwtErrors.INVALID({ reason: 'The token is not yet valid (iat)' });
    if (claim === 'aud') return JwtErrors.INVALID({ reason: "Audience doesn't match" });
    if (claim === 'iss') return JwtErrors.INVALID({ reason: 'Invalid issuer' });
    return JwtErrors.INVALID({ reason: err.message });
  }
  if (err instanceof jose.JWSSignatureVerificationFailed) return JwtErrors.INVALID({ reason: 'Signature verification failed' });
  if (err instanceof jose.JOSEAlgNotAllowed) return JwtErrors.INVALID({ reason: 'The specified alg value is not allowed' });
  const crit = err instanceof jose.JOSEError ? /Extension Header Parameter "(.*)" is not recognized/.exec(err.message) : null;
  if (crit) return JwtErrors.INVALID({ reason: `Unsupported critical extension: ${crit[1]}` });
  if (err instanceof jose.JWTInvalid) return JwtErrors.INVALID({ reason: `Invalid payload string: ${err.message}` });
  if (err instanceof jose.JOSEError) return JwtErrors.INVALID({ reason: err.message });
  return err as Error;
}

export async function verifyToken(token: string, keys: JwksKeys, options: VerifyOptions): Promise<JWTPayload> {
  if (token.length > options.maxTokenBytes) throw JwtErrors.TOO_LARGE({ size: token.length, max: options.maxTokenBytes });
  const header = readHeader(token);
  if (header.kid !== undefined && typeof header.kid !== 'string') throw JwtErrors.INVALID({ reason: 'Key ID header parameter must be a string' });
  // LiteLLM looks the key up before decoding: an unknown kid is "No matching public key found".
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const jwk = await keys.jwkFor(header.kid as string | undefined);
  if (!ASYMMETRIC_ALGORITHMS.has(alg)) throw JwtErrors.INVALID({ reason: 'The specified alg value is not allowed' });
  const key = await keys.importKey(jwk, alg);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [alg],
      ...(options.audience !== undefined && { audience: options.audience }),
      ...(options.issuer !== undefined && { issuer: options.issuer }),
      clockTolerance: options.leewaySeconds,
      ...(options.requireExp && { requiredClaims: ['exp'] }),
    });
    return payload;
  } catch (err) {
    throw refusal(err);
  }
}
