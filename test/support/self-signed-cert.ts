/**
 * A self-signed certificate made with the openssl CLI, for local HTTPS fakes (and for client
 * certificate credentials). Built in the test's temp dir, never committed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './gateway.js';

export interface SelfSignedCert {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8, unencrypted). */
  key: string;
  certFile: string;
  keyFile: string;
  /** Certificate and key in one PEM file (what Azure's `AZURE_CLIENT_CERTIFICATE_PATH` takes). */
  bundleFile: string;
}

export function selfSignedCert(commonName = '127.0.0.1', altNames = ['IP:127.0.0.1', 'DNS:localhost']): SelfSignedCert {
  const dir = tempDir('sluice-cert-');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', keyFile, '-out', certFile,
    '-subj', `/CN=${commonName}`,
    '-addext', `subjectAltName=${altNames.join(',')}`,
  ], { stdio: 'ignore' });
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  const bundleFile = join(dir, 'bundle.pem');
  writeFileSync(bundleFile, `${key}\n${cert}`);
  return { cert, key, certFile, keyFile, bundleFile };
}
