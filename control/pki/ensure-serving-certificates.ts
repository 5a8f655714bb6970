// Start-up entry point for the API server's TLS material: creates the CA on first start,
// reuses it afterwards, and keeps the serving certificate matching this host.

import { ensureClusterCA } from './certificate-authority.js';
import { pkiPaths } from './paths.js';
import { readOptional, readSecret, writeFileAtomic } from './secret-file.js';
import { issueServingCertificate, servingCertificateProblem } from './serving-certificate.js';
import { servingSubjectAltNames } from './subject-alt-names.js';

export interface EnsureServingOptions {
  /** Extra SANs (DNS names or IPs) on top of the defaults and this host's addresses. */
  hosts: string[];
  /** Clock override for tests. */
  now?: Date;
}

export interface ServingCertificates {
  caCertPem: string;
  certPem: string;
  keyPem: string;
  /** Hex sha256 of the CA certificate's DER (the hash in join tokens). */
  caHash: string;
  /** Why the serving certificate was (re-)issued at this call, for the start-up log; absent when reused. */
  issuedBecause?: string;
}

export async function ensureServingCertificates(dataDir: string, options: EnsureServingOptions): Promise<ServingCertificates> {
  const now = options.now ?? new Date();
  const paths = pkiPaths(dataDir);
  const ca = await ensureClusterCA(dataDir, now);
  const wanted = servingSubjectAltNames(options.hosts);

  let certPem = await readOptional(paths.serverCert);
  let keyPem = await readSecret(paths.serverKey);
  const problem =
    certPem === undefined || keyPem === undefined
      ? 'no serving certificate yet'
      : servingCertificateProblem(certPem, keyPem, ca, wanted, now);
  if (problem === undefined && certPem !== undefined && keyPem !== undefined) {
    return { caCertPem: ca.certPem, certPem, keyPem, caHash: ca.hash };
  }
  ({ certPem, keyPem } = await issueServingCertificate(ca, wanted, now));
  await writeFileAtomic(paths.serverKey, keyPem, 0o600);
  await writeFileAtomic(paths.serverCert, certPem, 0o644);
  return { caCertPem: ca.certPem, certPem, keyPem, caHash: ca.hash, issuedBecause: problem ?? 'no serving certificate yet' };
}
