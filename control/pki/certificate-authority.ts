// The cluster CA: created once in <dataDir>/tls, then only ever loaded. Its hash is baked
// into every join token, so losing or replacing it means re-joining every agent; hence
// partial or mismatched CA files stop start-up instead of being regenerated.

import { X509Certificate as NodeX509Certificate, createPrivateKey } from 'node:crypto';
import { caHashOfPem } from '../../api/join-token.js';
import { PkiError } from './errors.js';
import { generateKeyPair, importSigningKey, privateKeyToPem, type CryptoKey } from './keys.js';
import { pkiPaths } from './paths.js';
import { ensurePrivateDir, readOptional, readSecret, writeFileAtomic } from './secret-file.js';
import { CA_VALIDITY_DAYS, serialNumber, validity } from './validity.js';
import { x509, EC_SIGNING_ALGORITHM } from './x509.js';

export interface ClusterCA {
  certPem: string;
  /** Parsed certificate, for issuing (subject, public key, notAfter). */
  cert: x509.X509Certificate;
  signingKey: CryptoKey;
  /** Hex sha256 of the certificate's DER: the hash in join tokens. */
  hash: string;
}

async function createCA(now: Date): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    // The timestamp makes CAs of different clusters tell apart in `openssl x509 -text`.
    name: `CN=skiff-ca@${Math.floor(now.getTime() / 1000)}`,
    keys,
    serialNumber: serialNumber(),
    ...validity(now, CA_VALIDITY_DAYS),
    signingAlgorithm: EC_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyToPem(keys.privateKey) };
}

async function load(certPem: string, keyPem: string, certPath: string, keyPath: string, now: Date): Promise<ClusterCA> {
  let nodeCert: NodeX509Certificate;
  try {
    nodeCert = new NodeX509Certificate(certPem);
  } catch (err) {
    throw new PkiError('CAIncomplete', `${certPath} is not a certificate: ${(err as Error).message}`);
  }
  let matches: boolean;
  try {
    matches = nodeCert.checkPrivateKey(createPrivateKey(keyPem));
  } catch (err) {
    throw new PkiError('CAKeyMismatch', `${keyPath} is not a usable private key: ${(err as Error).message}`);
  }
  if (!matches) throw new PkiError('CAKeyMismatch', `${keyPath} does not belong to the certificate in ${certPath}`);
  if (new Date(nodeCert.validTo) <= now) {
    throw new PkiError(
      'CAExpired',
      `the cluster CA in ${certPath} expired on ${nodeCert.validTo}; every node must re-join with a new CA`,
    );
  }
  return {
    certPem,
    cert: new x509.X509Certificate(certPem),
    signingKey: await importSigningKey(keyPem),
    hash: caHashOfPem(certPem),
  };
}

// Two start-up paths (certificates, tokens) may ask for the CA at once; the first creates
// it and the other must wait rather than create a second one.
const pending = new Map<string, Promise<ClusterCA>>();

export function ensureClusterCA(dataDir: string, now: Date = new Date()): Promise<ClusterCA> {
  const paths = pkiPaths(dataDir);
  const inFlight = pending.get(paths.tlsDir);
  if (inFlight) return inFlight;
  const work = (async (): Promise<ClusterCA> => {
    await ensurePrivateDir(dataDir);
    await ensurePrivateDir(paths.tlsDir);
    let certPem = await readOptional(paths.caCert);
    let keyPem = await readSecret(paths.caKey);
    if (certPem === undefined && keyPem === undefined) {
      ({ certPem, keyPem } = await createCA(now));
      // Key first: a crash in between leaves a lone key, which is reported, never a cert
      // without its key being silently paired with a new one.
      await writeFileAtomic(paths.caKey, keyPem, 0o600);
      await writeFileAtomic(paths.caCert, certPem, 0o644);
    }
    if (certPem === undefined || keyPem === undefined) {
      const missing = certPem === undefined ? paths.caCert : paths.caKey;
      throw new PkiError(
        'CAIncomplete',
        `${missing} is missing while its pair exists; restore it from a backup, or remove both ca.crt and ca.key to create a new CA (all nodes must then re-join)`,
      );
    }
    return load(certPem, keyPem, paths.caCert, paths.caKey, now);
  })();
  pending.set(paths.tlsDir, work);
  return work.finally(() => pending.delete(paths.tlsDir));
}
