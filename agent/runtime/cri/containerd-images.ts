// The CRI image service on containerd: list, status, pull (with registry credentials),
// remove; and making a root filesystem tar into an image in containerd's k8s.io
// namespace without a registry (the pause image, test images).

import type { Logger } from 'pino';
import { ImagePullError } from '../errors.js';
import type { RootfsImporter } from '../pause-image.js';
import type { AuthConfig, Image, ImageFsInfo, ImageService, PullProgress } from '../runtime.js';
import { criError, grpcMessage } from './cri-client.js';
import type { CriClient } from './cri-client.js';
import type { CriContainer, CriImage } from './cri-types.js';
import { ctrImport } from './ctr-import.js';
import { ociImageArchive } from './oci-archive.js';

/** Pulls may take long on a Raspberry Pi's network; everything else answers quickly. */
const PULL_TIMEOUT_MS = 30 * 60_000;

function imageFromCri(i: CriImage): Image {
  return { id: i.id, repoTags: i.repo_tags ?? [], repoDigests: i.repo_digests ?? [], size: Number(i.size) };
}

function criAuth(auth: AuthConfig): Record<string, string> {
  const out: Record<string, string> = {};
  if (auth.username !== undefined) out['username'] = auth.username;
  if (auth.password !== undefined) out['password'] = auth.password;
  if (auth.auth !== undefined) out['auth'] = auth.auth;
  if (auth.serverAddress !== undefined) out['server_address'] = auth.serverAddress;
  return out;
}

export class ContainerdImageService implements ImageService {
  constructor(
    private readonly cri: CriClient,
    private readonly log: Logger,
  ) {}

  async listImages(): Promise<Image[]> {
    try {
      const r = await this.cri.image<{ images: CriImage[] }>('ListImages', {});
      return r.images.map(imageFromCri);
    } catch (err) {
      throw criError(this.cri.socketPath, err, 'Unavailable', 'listing images');
    }
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    try {
      const r = await this.cri.image<{ image: CriImage | null }>('ImageStatus', { image: { image } });
      return r.image ? imageFromCri(r.image) : undefined;
    } catch (err) {
      throw criError(this.cri.socketPath, err, 'Unavailable', `inspecting image ${image}`);
    }
  }

  /** PullImage is one unary call: the CRI reports no progress, so there is none to pass on. */
  async pullImage(image: string, auth?: AuthConfig, _onProgress?: (p: PullProgress) => void): Promise<string> {
    const started = Date.now();
    let ref: string;
    try {
      const req = auth ? { image: { image }, auth: criAuth(auth) } : { image: { image } };
      ref = (await this.cri.image<{ image_ref: string }>('PullImage', req, PULL_TIMEOUT_MS)).image_ref;
    } catch (err) {
      const failed = criError(this.cri.socketPath, err, 'PullFailed', 'pull');
      if (failed.code === 'Unavailable') throw failed;
      throw new ImagePullError(image, grpcMessage(err));
    }
    this.log.info({ image, ms: Date.now() - started }, 'image pulled');
    return ref;
  }

  /** CRI ImageFsInfo names the snapshotter's directory; the kubelet statfs()es it. */
  async imageFsInfo(): Promise<ImageFsInfo> {
    try {
      const r = await this.cri.image<{ image_filesystems: { fs_id?: { mountpoint?: string } }[] }>('ImageFsInfo', {});
      const mountpoint = r.image_filesystems[0]?.fs_id?.mountpoint;
      if (!mountpoint) throw new Error('ImageFsInfo named no filesystem');
      return { mountpoint };
    } catch (err) {
      throw criError(this.cri.socketPath, err, 'Unavailable', 'reading the image filesystem');
    }
  }

  /**
   * Every container in the namespace counts, whoever made it; sandboxes run containerd's
   * sandbox image, which ListContainers does not show, so the caller names it.
   */
  async imagesInUse(sandboxImage?: string): Promise<Set<string>> {
    try {
      const r = await this.cri.runtime<{ containers: CriContainer[] }>('ListContainers', {});
      const ids = new Set(r.containers.map((c) => c.image_ref).filter((id) => !!id));
      const sandbox = sandboxImage ? await this.imageStatus(sandboxImage) : undefined;
      if (sandbox) ids.add(sandbox.id);
      return ids;
    } catch (err) {
      throw criError(this.cri.socketPath, err, 'Unavailable', 'listing containers');
    }
  }

  /** The CRI removes the image itself, with every name it has (not only this one). */
  async removeImage(image: string): Promise<void> {
    try {
      await this.cri.image('RemoveImage', { image: { image } });
    } catch (err) {
      const e = criError(this.cri.socketPath, err, 'Unavailable', `removing image ${image}`);
      if (e.code !== 'NotFound') throw e;
    }
  }
}

/** ensurePauseImage's importer for containerd: an OCI archive loaded with `ctr`. */
export function containerdRootfsImporter(images: ImageService, socketPath: string, ctr?: string): RootfsImporter {
  return {
    hasImage: async (name) => (await images.imageStatus(name)) !== undefined,
    importRootfs: async (tar, name, cmd) => {
      const { archive } = ociImageArchive({ name, rootfsTar: tar, config: { Cmd: cmd } });
      await ctrImport(ctr !== undefined ? { socketPath, archive, ctr } : { socketPath, archive });
    },
  };
}
