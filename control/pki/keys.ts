// ECDSA P-256 key pairs and their PKCS#8 PEM form (what Node's TLS and kubectl read).

import { webcrypto, EC_KEY_ALGORITHM } from './x509.js';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  // Extractable, because the private key is written to disk.
  return webcrypto.subtle.generateKey(EC_KEY_ALGORITHM, true, ['sign', 'verify']);
}

function pem(label: string, der: ArrayBuffer): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

/** Imports a PKCS#8 PEM ECDSA P-256 key for signing. */
export async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  const body = /-----BEGIN PRIVATE KEY-----([^-]+)-----END PRIVATE KEY-----/.exec(keyPem)?.[1];
  if (!body) throw new Error('not a PKCS#8 PEM private key');
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, EC_KEY_ALGORITHM, false, ['sign']);
}
