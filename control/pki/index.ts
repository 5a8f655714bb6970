// The control server's PKI: cluster CA, API serving certificate, admin and join tokens.

export { ensureServingCertificates, type EnsureServingOptions, type ServingCertificates } from './ensure-serving-certificates.js';
export { ensureTokens, type ClusterTokens } from './tokens.js';
export { ensureClusterCA, type ClusterCA } from './certificate-authority.js';
export { pkiPaths, type PkiPaths } from './paths.js';
export { PkiError, type PkiErrorCode } from './errors.js';
