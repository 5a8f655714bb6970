// The CRI image service on Docker: list, inspect, pull (following the progress stream to
// its end, since Docker reports pull failures inside it), remove.

import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { ImagePullError } from '../errors.js';
import type { AuthConfig, Image, ImageService } from '../runtime.js';
import { dockerMessage, isNotFound, wrap } from './docker-errors.js';
import { followProgress, pullRef } from './docker-images.js';

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

  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    const ref = pullRef(image);
    const started = Date.now();
    try {
      const stream = await this.docker.createImage(auth ? registryAuth(auth) : undefined, { fromImage: ref });
      await followProgress(this.docker, stream);
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

  async removeImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).remove();
    } catch (err) {
      if (isNotFound(err)) return;
      throw wrap(this.socketPath, err, 'Unavailable', `removing image ${image}`);
    }
  }
}

