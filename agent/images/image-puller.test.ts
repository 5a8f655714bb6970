// The puller's decisions on a fake image service (the real pulls are test/image-pull.test.ts):
// pull policy, the credentials tried in turn, back-off states and their events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/types.js';
import type { Secret } from '../../api/service-types.js';
import { ImagePullError } from '../runtime/errors.js';
import type { AuthConfig, Image, ImageService } from '../runtime/runtime.js';
import { ImagePuller } from './image-puller.js';

function pod(extra: Record<string, unknown> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [], ...extra } } as Pod;
}

function dockerconfig(name: string, auths: Record<string, { username: string; password: string }>): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') } };
}

function setup(o: { present?: string[]; accept?: (auth?: AuthConfig) => boolean; secrets?: Secret[] } = {}) {
  let now = 0;
  const images = new Map<string, Image>((o.present ?? []).map((n) => [n, { id: `sha256:${n}`, repoTags: [n], repoDigests: [], size: 42 }]));
  const tried: (string | undefined)[] = [];
  const events: string[] = [];
  const runtime = {
    imageStatus: async (name: string) => images.get(name) ?? [...images.values()].find((i) => i.id === name),
    pullImage: async (name: string, auth?: AuthConfig) => {
      tried.push(auth ? `${auth.username}:${auth.password}` : undefined);
      now += 1500;
      if (!(o.accept ?? (() => true))(auth)) throw new ImagePullError(name, `denied for ${auth?.username ?? 'anonymous'}`);
      images.set(name, { id: `sha256:${name}`, repoTags: [name], repoDigests: [], size: 42 });
      return `sha256:${name}`;
    },
  } as unknown as ImageService;
  const puller = new ImagePuller({
    runtime,
    record: (_p, type, reason, message) => events.push(`${type} ${reason}: ${message}`),
    secret: async (_ns, name) => o.secrets?.find((s) => s.metadata.name === name),
    now: () => now,
  });
  return { puller, tried, events, tick: (ms: number) => (now += ms) };
}

test('IfNotPresent: a present image is used as is; Never: a missing one is ErrImageNeverPull', async () => {
  const s = setup({ present: ['r.io/a:1'] });
  assert.deepEqual(await s.puller.ensureImageExists(pod(), { name: 'c', image: 'r.io/a:1' }), { ok: true, imageId: 'sha256:r.io/a:1' });
  assert.deepEqual(s.events, ['Normal Pulled: Container image "r.io/a:1" already present on machine']);
  const never = await s.puller.ensureImageExists(pod(), { name: 'c', image: 'r.io/b:1', imagePullPolicy: 'Never' });
  assert.deepEqual(never, { ok: false, waiting: { reason: 'ErrImageNeverPull', message: 'Container image "r.io/b:1" is not present with pull policy of Never' } });
  assert.deepEqual(s.tried, []);
});

test('Always pulls; the Pulled event has Go durations and the image size', async () => {
  const s = setup({ present: ['r.io/a:1'] });
  await s.puller.ensureImageExists(pod(), { name: 'c', image: 'r.io/a:1', imagePullPolicy: 'Always' });
  assert.deepEqual(s.tried, [undefined]);
  assert.deepEqual(s.events, ['Normal Pulling: Pulling image "r.io/a:1"', 'Normal Pulled: Successfully pulled image "r.io/a:1" in 1.5s (1.5s including waiting). Image size: 42 bytes.']);
});

test('credentials: every matching one in turn, most specific first, until one works', async () => {
  const secrets = [dockerconfig('host', { 'r.io': { username: 'host', password: 'x' } }), dockerconfig('team', { 'r.io/team': { username: 'team', password: 'y' } }), dockerconfig('other', { 'q.io': { username: 'q', password: 'z' } })];
  const s = setup({ secrets, accept: (a) => a?.username === 'host' });
  const r = await s.puller.ensureImageExists(pod({ imagePullSecrets: [{ name: 'host' }, { name: 'team' }, { name: 'other' }] }), { name: 'c', image: 'r.io/team/app:1' });
  assert.equal(r.ok, true);
  assert.deepEqual(s.tried, ['team:y', 'host:x']);
});

test('all credentials refused: ErrImagePull with every error, shown 5 s, then ImagePullBackOff until the retry', async () => {
  const secrets = [dockerconfig('a', { 'r.io': { username: 'a', password: '1' } }), dockerconfig('b', { 'r.io': { username: 'b', password: '2' } })];
  const s = setup({ secrets, accept: () => false });
  const p = pod({ imagePullSecrets: [{ name: 'a' }, { name: 'b' }, { name: 'gone' }] });
  const c = { name: 'c', image: 'r.io/x:1' };
  const first = await s.puller.ensureImageExists(p, c);
  assert.deepEqual(first, { ok: false, waiting: { reason: 'ErrImagePull', message: 'failed to pull image "r.io/x:1": [denied for a, denied for b]' }, requeueMs: 5_000 });
  assert.ok(s.events.includes('Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets ("gone"); attempting to pull the image may not succeed.'));
  assert.ok(s.events.includes('Warning Failed: Failed to pull image "r.io/x:1": [denied for a, denied for b]'));
  assert.ok(s.events.includes('Warning Failed: Error: ErrImagePull'));
  s.tick(1_000);
  const soon = await s.puller.ensureImageExists(p, c);
  assert.equal(soon.ok === false && soon.waiting.reason, 'ErrImagePull');
  s.tick(5_000);
  const later = await s.puller.ensureImageExists(p, c);
  assert.deepEqual(later, { ok: false, waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r.io/x:1": ErrImagePull: failed to pull image "r.io/x:1": [denied for a, denied for b]' }, requeueMs: 4_000 });
  assert.ok(s.events.includes('Normal BackOff: Back-off pulling image "r.io/x:1"'));
  assert.equal(s.tried.length, 2, 'no pull during the back-off');
  s.tick(4_000);
  await s.puller.ensureImageExists(p, c);
  assert.equal(s.tried.length, 4, 'pulled again once the back-off ended');
  s.puller.forgetPod('u1');
});
