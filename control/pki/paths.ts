// Where the control server keeps its PKI material and tokens inside its data dir.

import { join } from 'node:path';

export interface PkiPaths {
  tlsDir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Bearer token of the built-in cluster admin. */
  adminToken: string;
  /** The full K10 join token, meant to be `cat`-ed onto another host. */
  nodeToken: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  const tlsDir = join(dataDir, 'tls');
  return {
    tlsDir,
    caCert: join(tlsDir, 'ca.crt'),
    caKey: join(tlsDir, 'ca.key'),
    serverCert: join(tlsDir, 'server.crt'),
    serverKey: join(tlsDir, 'server.key'),
    adminToken: join(dataDir, 'admin-token'),
    nodeToken: join(dataDir, 'node-token'),
  };
}
