// A one-layer OCI image layout as a tar archive (oci-layout, index.json, blobs/sha256/…),
// built in memory from a root filesystem tar: what `ctr images import` loads without any
// registry. The layer is stored uncompressed, so its digest is also its diff id.

import { createHash } from 'node:crypto';
import { buildTar, type TarEntry } from '../pause-image.js';

export interface OciImageConfig {
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface OciArchiveOptions {
  /** Full image reference, e.g. "skiff.local/pause:3.9". */
  name: string;
  rootfsTar: Buffer;
  config: OciImageConfig;
  /** Node's process.arch; defaults to this machine's. */
  arch?: string;
  /** Fixed timestamps keep the image id stable across builds of the same content. */
  created?: string;
}

/** Node's architecture names → OCI's (GOARCH) names, with the variant where one is needed. */
export function ociPlatform(arch: string): { architecture: string; variant?: string } {
  switch (arch) {
    case 'x64':
      return { architecture: 'amd64' };
    case 'arm64':
      return { architecture: 'arm64' };
    case 'arm':
      return { architecture: 'arm', variant: 'v7' };
    case 'ia32':
      return { architecture: '386' };
    default:
      return { architecture: arch };
  }
}

function blob(data: Buffer): { digest: string; size: number; data: Buffer } {
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length, data };
}

/** Splits "registry/repo:tag" into its tag (the OCI ref.name annotation). */
function tagOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : 'latest';
}

export function ociImageArchive(o: OciArchiveOptions): { archive: Buffer; configDigest: string } {
  const created = o.created ?? '1970-01-01T00:00:00Z';
  const layer = blob(o.rootfsTar);
  const config = blob(
    Buffer.from(
      JSON.stringify({
        created,
        ...ociPlatform(o.arch ?? process.arch),
        os: 'linux',
        config: o.config,
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created, created_by: 'skiff' }],
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
      }),
    ),
  );
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifest.digest,
        size: manifest.size,
        // containerd names the imported image after the first; the second is the OCI way.
        annotations: { 'io.containerd.image.name': o.name, 'org.opencontainers.image.ref.name': tagOf(o.name) },
      },
    ],
  };
  const file = (path: string, data: Buffer): TarEntry => ({ type: 'file', path, data });
  const archive = buildTar([
    file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }))),
    file('index.json', Buffer.from(JSON.stringify(index))),
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...[layer, config, manifest].map((b) => file(`blobs/sha256/${b.digest.slice('sha256:'.length)}`, b.data)),
  ]);
  return { archive, configDigest: config.digest };
}
