// The CRI image service on Docker: list, inspect, pull (following the progress stream to
// its end, since Docker reports pull failures inside it), remove.

import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { ImagePullError } from '../errors.js';
import type { AuthConfig, Image, ImageFsInfo, ImageService, PullProgress } from '../runtime.js';
import { dockerMessage, isNotFound, wrap } from './docker-errors.js';
import { followProgress, pullRef } from './docker-images.js';
import { DockerPullProgress } from './docker-pull-progress.js';

/** Docker's X-Registry-Auth fields (lower-case serveraddress). */
function registryAuth(auth: AuthConfig): Record<string, string> {
  const out: Record<string, string> = {};
  if (auth.username !== undefined) out['username'] = auth.username;
  if (auth.password !== undefined) out['password'] = auth.password;
  if (auth.auth !== undefined) out['auth'] = auth.auth;
  if (auth.serverAddress !== undefined) out['serveraddress'] = auth.serverAddress;
  return out;
}

export class DockerImageService implements ImageService {
  constructor(
    private readonly docker: Dockerode,
    private readonly socketPath: string,
    private readonly log: Logger,
  ) {}

  async listImages(): Promise<Image[]> {
    try {
      const list = await this.docker.listImages();
      return list.map((i) => ({
        id: i.Id,
        repoTags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        repoDigests: (i.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
        size: i.Size,
      }));
    } catch (err) {
      throw wrap(this.socketPath, err, 'Unavailable', 'listing images');
    }
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    try {
      const i = await this.docker.getImage(image).inspect();
      return { id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], size: i.Size };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw wrap(this.socketPath, err, 'Unavailable', `inspecting image ${image}`);
    }
  }

  async pullImage(image: string, auth?: AuthConfig, onProgress?: (p: PullProgress) => void): Promise<string> {
    const ref = pullRef(image);
    const started = Date.now();
    const progress = new DockerPullProgress();
    const onMessage = onProgress
      ? (m: unknown) => {
          const p = progress.update(m);
          if (p) onProgress(p);
        }
      : undefined;
    try {
      // dockerode sends the auth object base64-encoded as X-Registry-Auth.
      const stream = await this.docker.createImage(auth ? registryAuth(auth) : undefined, { fromImage: ref });
      await followProgress(this.docker, stream, onMessage);
    } catch (err) {
      const failed = wrap(this.socketPath, err, 'PullFailed', 'pull');
      if (failed.code === 'Unavailable') throw failed;
      throw new ImagePullError(image, dockerMessage(err));
    }
    const pulled = await this.imageStatus(ref);
    if (!pulled) throw new ImagePullError(image, 'the pull finished but the image is not there');
    this.log.info({ image, ms: Date.now() - started }, 'image pulled');
    return pulled.id;
  }

  /** Images live under Docker's data root (DockerRootDir), whatever the storage driver. */
  async imageFsInfo(): Promise<ImageFsInfo> {
    try {
      const info = (await this.docker.info()) as { DockerRootDir?: string };
      if (!info.DockerRootDir) throw new Error('docker info has no DockerRootDir');
      return { mountpoint: info.DockerRootDir };
    } catch (err) {
      throw wrap(this.socketPath, err, 'Unavailable', 'reading the image filesystem');
    }
  }

  /** Every container on the daemon counts, not only Skiff's: Docker is shared with the user. */
  async imagesInUse(): Promise<Set<string>> {
    try {
      const list = await this.docker.listContainers({ all: true });
      return new Set(list.map((c) => c.ImageID).filter((id) => !!id));
    } catch (err) {
      throw wrap(this.socketPath, err, 'Unavailable', 'listing containers');
    }
  }

  /**
   * As the CRI's RemoveImage: an image id removes the image with every name it has (Docker
   * itself refuses an id that several repositories reference). Never forced: Docker keeps
   * an image a container uses, whatever the caller thought.
   */
  async removeImage(image: string): Promise<void> {
    try {
      if (image.startsWith('sha256:')) {
        const tags = (await this.imageStatus(image))?.repoTags ?? [];
        for (const tag of tags.length > 1 ? tags : []) await this.docker.getImage(tag).remove();
      }
      await this.docker.getImage(image).remove();
    } catch (err) {
      if (isNotFound(err)) return;
      throw wrap(this.socketPath, err, 'Unavailable', `removing image ${image}`);
    }
  }
}

