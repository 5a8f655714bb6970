// The one place that loads @peculiar/x509: after reflect-metadata (its tsyringe plug-in
// registry refuses to load without the Reflect metadata API), and wired to
// Node's WebCrypto so every generator call uses the same provider.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509, webcrypto };

/** ECDSA P-256 with SHA-256: fast to generate and sign on a Raspberry Pi, and accepted by Go's TLS (kubectl). */
export const EC_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const EC_SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
