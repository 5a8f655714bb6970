import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Pod } from '../../../api/types.js';
import { FileSource } from './file-source.js';
import { CONFIG_HASH_ANNOTATION, CONFIG_SEEN_ANNOTATION, CONFIG_SOURCE_ANNOTATION, decodeStaticPod, isMirrorPodOf, isStaticPod } from './static-pod.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n';

describe('decodeStaticPod', () => {
  it('names, places, annotates and defaults the pod as the kubelet does', () => {
    const { pod } = decodeStaticPod(POD, '/m/web.yaml', 'node-a');
    assert.equal(pod.metadata.name, 'web-node-a');
    assert.equal(pod.metadata.namespace, 'default');
    assert.equal(pod.spec.nodeName, 'node-a');
    assert.match(pod.metadata.uid!, /^[0-9a-f]{32}$/);
    assert.equal(pod.metadata.annotations![CONFIG_HASH_ANNOTATION], pod.metadata.uid);
    assert.equal(pod.metadata.annotations![CONFIG_SOURCE_ANNOTATION], 'file');
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(pod.spec['tolerations'], [{ operator: 'Exists', effect: 'NoExecute' }]);
    assert.ok(isStaticPod(pod));
  });

  it('gives the same manifest on the same node and path the same UID, and any change a new one', () => {
    const uid = (text: string, file = '/m/web.yaml', node = 'n1') => decodeStaticPod(text, file, node).pod.metadata.uid;
    assert.equal(uid(POD), uid(POD));
    assert.equal(uid(POD), uid(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } })));
    assert.notEqual(uid(POD), uid(POD.replace('1.36', '1.37')));
    assert.notEqual(uid(POD), uid(POD, '/m/other.yaml'));
    assert.notEqual(uid(POD), uid(POD, '/m/web.yaml', 'n2'));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not yaml', 'a: [b', /couldn't parse as pod/],
    ['empty', '', /couldn't parse as pod/],
    ['another kind', 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\n', /want Pod v1/],
    ['no containers', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n', /invalid pod: spec.containers: Required value/],
    ['bad name', POD.replace('name: web', 'name: Web_1'), /invalid pod: metadata.name: Invalid value: "Web_1-n1"/],
    ['a secret volume', `${POD}  volumes:\n  - name: s\n    secret: {secretName: s}\n`, /static pods may not reference secrets$/],
    ['a configMap env', POD.replace('image: busybox:1.36', 'image: busybox:1.36\n    env:\n    - name: A\n      valueFrom: {configMapKeyRef: {name: c, key: k}}'), /static pods may not reference configmaps$/],
    ['a service account', POD.replace('spec:\n', 'spec:\n  serviceAccountName: sa\n'), /static pods may not reference serviceaccounts$/],
  ];
  for (const [what, text, want] of bad) {
    it(`refuses ${what}`, () => assert.throws(() => decodeStaticPod(text, '/m/x.yaml', 'n1'), want));
  }

  it('reads only the first document of a file, and says how many it left', () => {
    const out = decodeStaticPod(`${POD}---\n${POD.replace('web', 'two')}`, '/m/x.yaml', 'n1');
    assert.equal(out.pod.metadata.name, 'web-n1');
    assert.equal(out.ignoredDocuments, 1);
  });

  it('matches a mirror by name, namespace and hash', () => {
    const { pod } = decodeStaticPod(POD, '/m/web.yaml', 'n1');
    const mirror = { metadata: { name: 'web-n1', namespace: 'default', annotations: { 'kubernetes.io/config.mirror': pod.metadata.uid! } } } as unknown as Pod;
    assert.ok(isMirrorPodOf(mirror, pod));
    assert.ok(!isMirrorPodOf({ ...mirror, metadata: { ...mirror.metadata, annotations: { 'kubernetes.io/config.mirror': 'old' } } }, pod));
  });
});

describe('FileSource', () => {
  it('reads a directory (skipping dotfiles), sees changes through the watch, and keeps a pod whose file turns bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-manifests-'));
    const ac = new AbortController();
    try {
      const invalid: string[] = [];
      const sets: Pod[][] = [];
      const source = new FileSource({ path: dir, nodeName: 'n1', logger: pino({ level: 'silent' }), onInvalid: (f, m) => invalid.push(`${f}: ${m}`), debounceMs: 20, periodMs: 60_000 });
      source.onUpdate((pods) => sets.push(pods));
      writeFileSync(join(dir, 'web.yaml'), POD);
      writeFileSync(join(dir, '.web.yaml.swp'), 'garbage');
      mkdirSync(join(dir, 'sub'));
      await source.start(ac.signal);
      assert.deepEqual(sets.map((s) => s.map((p) => p.metadata.name)), [['web-n1']]);
      assert.ok(sets[0]![0]!.metadata.annotations![CONFIG_SEEN_ANNOTATION]);
      assert.equal(invalid.length, 1, invalid.join('; ')); // the subdirectory

      const waitSets = async (n: number) => {
        for (let i = 0; i < 100 && sets.length < n; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(sets.length, n, 'a change was seen through fs.watch');
      };
      writeFileSync(join(dir, 'db.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }));
      await waitSets(2);
      assert.deepEqual(sets[1]!.map((p) => p.metadata.name), ['db-n1', 'web-n1']);

      writeFileSync(join(dir, 'web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web');
      await new Promise((r) => setTimeout(r, 200));
      await source.sync();
      assert.equal(sets.length, 2, 'a half-written file keeps its last good pod');
      assert.ok(invalid.some((m) => m.includes('web.yaml')));

      unlinkSync(join(dir, 'web.yaml'));
      await waitSets(3);
      assert.deepEqual(sets[2]!.map((p) => p.metadata.name), ['db-n1']);
    } finally {
      ac.abort();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats a missing directory as no pods', async () => {
    const ac = new AbortController();
    const sets: Pod[][] = [];
    const source = new FileSource({ path: join(tmpdir(), 'skiff-no-such-dir-' + process.pid), nodeName: 'n1', logger: pino({ level: 'silent' }) });
    source.onUpdate((pods) => sets.push(pods));
    await source.start(ac.signal);
    ac.abort();
    assert.deepEqual(sets, [[]]);
  });
});
