// The API server's TLS certificate: issued by the cluster CA for every name clients use,
// and checked at each start so a new IP, a new --host or an approaching expiry leads to
// a fresh certificate without touching the CA.

import { X509Certificate as NodeX509Certificate, createPrivateKey } from 'node:crypto';
import type { ClusterCA } from './certificate-authority.js';
import { canonicalIp } from './ip-address.js';
import { generateKeyPair, privateKeyToPem } from './keys.js';
import { missingSubjectAltNames, normalizeDnsName, type SubjectAltNames } from './subject-alt-names.js';
import { DAY_MS, SERVING_RENEW_BEFORE_DAYS, SERVING_VALIDITY_DAYS, serialNumber, validity } from './validity.js';
import { x509, EC_SIGNING_ALGORITHM } from './x509.js';

export async function issueServingCertificate(
  ca: ClusterCA,
  sans: SubjectAltNames,
  now: Date,
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const names = [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=skiff-apiserver',
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    serialNumber: serialNumber(),
    // Never outlive the CA: the chain would be invalid past its end anyway.
    ...validity(now, SERVING_VALIDITY_DAYS, ca.cert.notAfter),
    signingAlgorithm: EC_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyToPem(keys.privateKey) };
}

/** SANs a certificate carries, in the same spelling as servingSubjectAltNames(). */
export function subjectAltNamesOf(certPem: string): SubjectAltNames {
  const ext = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  const have: SubjectAltNames = { dns: [], ips: [] };
  for (const name of ext?.names.toJSON() ?? []) {
    if (name.type === 'dns') {
      const dns = normalizeDnsName(name.value);
      if (dns) have.dns.push(dns);
    } else if (name.type === 'ip') {
      const ip = canonicalIp(name.value);
      if (ip) have.ips.push(ip);
    }
  }
  return have;
}

/**
 * Why the existing serving certificate must be re-issued, or undefined if it is fine:
 * unreadable, key mismatch, not from this CA, not yet valid, expiring within 30 days,
 * or missing a wanted SAN.
 */
export function servingCertificateProblem(
  certPem: string,
  keyPem: string,
  ca: ClusterCA,
  wanted: SubjectAltNames,
  now: Date,
): string | undefined {
  let cert: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'the key does not match the certificate';
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  const caCert = new NodeX509Certificate(ca.certPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return 'not issued by the cluster CA';
  if (new Date(cert.validFrom) > now) return `not valid before ${cert.validFrom}`;
  if (new Date(cert.validTo).getTime() - now.getTime() < SERVING_RENEW_BEFORE_DAYS * DAY_MS) {
    return `expires ${cert.validTo}`;
  }
  const missing = missingSubjectAltNames(subjectAltNamesOf(certPem), wanted);
  if (missing.length) return `missing subject alternative names ${missing.join(', ')}`;
  return undefined;
}
