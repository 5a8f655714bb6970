// Registry credentials from a pod's image pull secrets, matched to an image the way the
// kubelet's credential keyring (pkg/credentialprovider) does it:
//  - Secrets of type kubernetes.io/dockerconfigjson ({"auths": {KEY: ENTRY}}) and
//    kubernetes.io/dockercfg ({KEY: ENTRY}); an ENTRY's "auth" (base64 user:password) fills
//    username and password.
//  - A KEY may carry a scheme and a /v1/ or /v2/ path, which are dropped: "https://r.io/v1/"
//    is "r.io"; "r.io/team" only serves images under that path.
//  - An image matches a KEY when the ports are equal (both absent counts), the hosts have
//    as many dot-separated parts, each part matches as a glob ("*.r.io"), and the KEY's path
//    is a prefix of the image's.
//  - All matches are returned, most specific KEY first (the index sorted in reverse), so the
//    puller tries each until one works; Docker Hub images fall back to "index.docker.io".

import type { AuthConfig } from '../runtime/runtime.js';

export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

interface ConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
}

/** A credential and where it came from (the Secret's name), for messages. */
export interface Credential {
  auth: AuthConfig;
  source: string;
}

/**
 * No server address, as the kubelet sends none: containerd parses one as a URL and fails on
 * a bare "host:port" ("first path segment in URL cannot contain colon").
 */
function entryAuth(entry: ConfigEntry): AuthConfig {
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const out: AuthConfig = {};
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  return out;
}

/** "https://r.io:5000/v2/" → "r.io:5000"; "r.io/team" stays. */
export function keyOf(location: string): string | undefined {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(location) ? location : `https://${location}`);
  } catch {
    return undefined;
  }
  let path = url.pathname;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? url.host + path : url.host;
}

interface SchemelessUrl {
  hostParts: string[];
  port: string;
  path: string;
}

function parseSchemeless(s: string): SchemelessUrl | undefined {
  const slash = s.indexOf('/');
  const hostPort = slash < 0 ? s : s.slice(0, slash);
  const path = slash < 0 ? '' : s.slice(slash);
  if (!hostPort) return undefined;
  const m = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
  return { hostParts: m[1]!.split('.'), port: m[2] ?? '', path };
}

/** One host part against a glob part (Go's filepath.Match: * and ? within the part). */
function globMatch(glob: string, part: string): boolean {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(part);
}

export function urlsMatch(key: string, image: string): boolean {
  const k = parseSchemeless(key);
  const t = parseSchemeless(image);
  if (!k || !t) return false;
  if (k.port !== t.port) return false;
  if (k.hostParts.length !== t.hostParts.length) return false;
  if (!t.path.startsWith(k.path)) return false;
  return k.hostParts.every((g, i) => globMatch(g, t.hostParts[i]!));
}

/** The repository an image reference names, tag and digest dropped, Docker Hub spelled out. */
export function repositoryOf(image: string): string {
  let repo = image;
  const at = repo.indexOf('@');
  if (at >= 0) repo = repo.slice(0, at);
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) repo = repo.slice(0, colon);
  const first = repo.split('/')[0]!;
  const hasRegistry = repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return repo;
  return repo.includes('/') ? `docker.io/${repo}` : `docker.io/library/${repo}`;
}

function isDefaultRegistry(repo: string): boolean {
  const first = repo.split('/')[0]!;
  return first === 'docker.io' || first === DEFAULT_REGISTRY_HOST;
}

export class CredentialKeyring {
  private readonly creds = new Map<string, Credential[]>();

  /** Adds a docker config ({KEY: ENTRY}) from source (a Secret's name). */
  add(config: Record<string, ConfigEntry>, source: string): void {
    for (const [location, entry] of Object.entries(config)) {
      if (typeof entry !== 'object' || entry === null) continue;
      const key = keyOf(location);
      if (!key) continue;
      const list = this.creds.get(key) ?? [];
      list.push({ auth: entryAuth(entry), source });
      this.creds.set(key, list);
    }
  }

  /** Every credential that may serve image, most specific first; [] when none does. */
  lookup(image: string): Credential[] {
    const repo = repositoryOf(image);
    const index = [...this.creds.keys()].sort().reverse();
    const out: Credential[] = [];
    for (const key of index) if (urlsMatch(key, repo)) out.push(...this.creds.get(key)!);
    if (out.length === 0 && isDefaultRegistry(repo)) out.push(...(this.creds.get(DEFAULT_REGISTRY_HOST) ?? []));
    return out;
  }
}

/** The docker config a pull Secret holds, or a reason it holds none. */
export function dockerConfigOf(type: string | undefined, data: Map<string, Buffer>): Record<string, ConfigEntry> | string {
  const key = type === SECRET_TYPE_DOCKER_CONFIG_JSON ? '.dockerconfigjson' : type === SECRET_TYPE_DOCKERCFG ? '.dockercfg' : undefined;
  if (!key) return `type ${type ?? 'Opaque'} is neither ${SECRET_TYPE_DOCKER_CONFIG_JSON} nor ${SECRET_TYPE_DOCKERCFG}`;
  const raw = data.get(key);
  if (!raw) return `no ${key} key`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return `${key} is not JSON`;
  }
  if (typeof parsed !== 'object' || parsed === null) return `${key} is not a JSON object`;
  if (key === '.dockercfg') return parsed as Record<string, ConfigEntry>;
  const auths = (parsed as { auths?: unknown }).auths;
  return typeof auths === 'object' && auths !== null ? (auths as Record<string, ConfigEntry>) : {};
}
