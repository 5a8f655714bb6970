// The REST verbs on one resource type: get, list, watch, create, update, patch, delete,
// and the status / binding subresources. Decoding, defaulting and validation happen before
// anything is written; a rejected request writes nothing.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../../api/errors.js';
import { apiVersionOf } from '../../../api/resources.js';
import type { Binding, DeleteOptions, KubeObject, Pod, Status, Table, TableRow, WatchEvent } from '../../../api/types.js';
import type { Store } from '../../store/store.js';
import { decodeBody, isPlainObject, mediaType, readBody } from '../http/body.js';
import { negotiate, type Representation } from '../http/negotiate.js';
import { sendJson } from '../http/respond.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { timestamp } from '../registry/keys.js';
import type { ResourceStorage, WriteOptions } from '../registry/storage.js';
import { serializeWatchEvent, startWatch, type WatchSink } from '../watch/watch-source.js';
import { evictPod } from './eviction.js';
import { serveScale } from './scale-handler.js';
import { predicateFor } from './selectors.js';

export interface ResourceRequest {
  storage: ResourceStorage;
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
  query: URLSearchParams;
}

/** Watches end after this long unless the client asked for less (kube: 30–60 min). */
const MAX_WATCH_SECONDS = 1800;
const BOOKMARK_INTERVAL_MS = 60_000;

export class ResourceHandler {
  /** @param lookup other types' storages, by "group/version" and resource (the eviction reads budgets) */
  constructor(
    private readonly store: Store,
    private readonly lookup?: (gv: string, resource: string) => ResourceStorage | undefined,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, r: ResourceRequest): Promise<void> {
    const method = req.method ?? 'GET';
    const rep = negotiate(req.headers.accept);
    const { storage, name, subresource } = r;
    const t = storage.type;
    if (subresource && !t.subresources.includes(subresource)) {
      throw errors.pathNotFound(req.url ?? '');
    }
    if (subresource === 'scale' && name !== undefined) {
      return serveScale(req, res, { storage, namespace: r.namespace, name, dryRun: isDryRun(r.query), patchFunction });
    }
    if (name === undefined) {
      switch (method) {
        case 'GET':
          if (isWatch(r.query)) return this.watchChunked(req, res, r, rep);
          return this.list(res, r, rep);
        case 'POST':
          return this.create(req, res, r, rep);
        case 'DELETE':
          return this.deleteCollection(req, res, r);
        default:
          throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
      }
    }
    switch (method) {
      case 'GET': {
        if (isWatch(r.query)) return this.watchChunked(req, res, r, rep);
        const obj = await storage.get(r.namespace, name);
        return this.respond(res, 200, obj, rep, r);
      }
      case 'PUT':
        return this.update(req, res, r, rep);
      case 'PATCH':
        return this.patch(req, res, r, rep);
      case 'POST':
        if (subresource === 'binding') return this.bind(req, res, r);
        if (subresource === 'eviction') return this.evict(req, res, r);
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
      case 'DELETE':
        return this.delete(req, res, r, rep);
      default:
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
  }

  private respond(res: ServerResponse, code: number, obj: KubeObject, rep: Representation, r: ResourceRequest): void {
    if (rep.kind === 'table') return sendJson(res, code, this.table([obj], rep, r, obj.metadata.resourceVersion));
    sendJson(res, code, obj);
  }

  private table(items: KubeObject[], rep: Extract<Representation, { kind: 'table' }>, r: ResourceRequest, rv?: string, headers = true): Table {
    const conv = r.storage.strategy.table;
    const include = r.query.get('includeObject') ?? 'Metadata';
    const columns = conv?.columnDefinitions ?? defaultColumns;
    // The default Table is Name + Created At (a date column kubectl prints as an age).
    const rows: TableRow[] = conv ? conv.rows(items, new Date()) : items.map((o) => ({ cells: [o.metadata.name, o.metadata.creationTimestamp] }));
    rows.forEach((row, i) => {
      const obj = items[i]!;
      if (include === 'None') return;
      row.object =
        include === 'Object'
          ? obj
          : { kind: 'PartialObjectMetadata', apiVersion: rep.apiVersion, metadata: obj.metadata };
    });
    return {
      kind: 'Table',
      apiVersion: rep.apiVersion as 'meta.k8s.io/v1',
      metadata: rv ? { resourceVersion: rv } : {},
      columnDefinitions: headers ? columns : [],
      rows,
    };
  }

  private async list(res: ServerResponse, r: ResourceRequest, rep: Representation): Promise<void> {
    const predicate = predicateFor(r.storage.strategy, r.query);
    const limit = r.query.get('limit');
    const out = await r.storage.list(r.namespace, {
      ...(predicate ? { predicate } : {}),
      ...(limit ? { limit: parseNonNegativeInt(limit, 'limit') } : {}),
      ...(r.query.get('continue') ? { continue: r.query.get('continue')! } : {}),
      ...(r.query.get('resourceVersion') ? { resourceVersion: r.query.get('resourceVersion')! } : {}),
    });
    const metadata: Record<string, unknown> = { resourceVersion: out.resourceVersion };
    if (out.continue) metadata['continue'] = out.continue;
    if (rep.kind === 'table') {
      const table = this.table(out.items, rep, r, out.resourceVersion);
      table.metadata = metadata;
      return sendJson(res, 200, table);
    }
    const t = r.storage.type;
    sendJson(res, 200, { kind: t.listKind, apiVersion: apiVersionOf(t), metadata, items: out.items });
  }

  private async decodeObject(req: IncomingMessage, r: ResourceRequest): Promise<KubeObject> {
    const body = decodeBody(await readBody(req), req.headers['content-type']);
    if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a JSON or YAML object');
    const t = r.storage.type;
    const kind = body['kind'];
    const apiVersion = body['apiVersion'];
    // Subresources with a body kind of their own (policy/v1 and v1beta1 for Evictions).
    const own = r.subresource === 'binding' ? ['Binding'] : r.subresource === 'eviction' ? ['Eviction'] : [];
    if (kind !== undefined && kind !== t.kind && !own.includes(kind as string)) {
      throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
    }
    const ownVersions = r.subresource === 'eviction' ? ['policy/v1', 'policy/v1beta1'] : [];
    if (apiVersion !== undefined && apiVersion !== apiVersionOf(t) && r.subresource !== 'binding' && !ownVersions.includes(apiVersion as string)) {
      throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
    }
    const metadata = body['metadata'];
    if (metadata === undefined || metadata === null) body['metadata'] = {};
    else if (!isPlainObject(metadata)) throw errors.badRequest('metadata must be an object');
    return body as unknown as KubeObject;
  }

  private async create(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, rep: Representation): Promise<void> {
    const obj = await this.decodeObject(req, r);
    const opts = writeOptions(r.query);
    const created = await r.storage.create(r.namespace, obj, opts);
    setWarnings(res, opts.warnings);
    this.respond(res, 201, created, rep, r);
  }

  private async update(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, rep: Representation): Promise<void> {
    const obj = await this.decodeObject(req, r);
    const name = r.name!;
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (r.namespace && obj.metadata.namespace !== undefined && obj.metadata.namespace !== r.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const opts = writeOptions(r.query);
    const updated = await r.storage.guaranteedUpdate(r.namespace, name, () => structuredClone(obj), {
      ...opts,
      ...(r.subresource ? { subresource: r.subresource } : {}),
    });
    setWarnings(res, opts.warnings);
    this.respond(res, 200, updated, rep, r);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, rep: Representation): Promise<void> {
    const type = mediaType(req.headers['content-type']);
    const apply = patchFunction(type);
    const patch = decodeBody(await readBody(req), 'application/json', 'patch');
    const opts = writeOptions(r.query);
    const updated = await r.storage.guaranteedUpdate(
      r.namespace,
      r.name!,
      (current) => {
        const result = apply(current, patch);
        if (!isPlainObject(result) || !isPlainObject(result['metadata'])) {
          throw errors.badRequest('the patch must leave an object with metadata');
        }
        const next = result as unknown as KubeObject;
        // A patch applies to whatever is current unless it names a resourceVersion itself.
        const pinned = isPlainObject(patch) && isPlainObject(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
        if (typeof pinned !== 'string') delete next.metadata.resourceVersion;
        return next;
      },
      { ...opts, ...(r.subresource ? { subresource: r.subresource } : {}) },
    );
    setWarnings(res, opts.warnings);
    this.respond(res, 200, updated, rep, r);
  }

  private async bind(req: IncomingMessage, res: ServerResponse, r: ResourceRequest): Promise<void> {
    const binding = (await this.decodeObject(req, r)) as unknown as Binding;
    const target = binding.target;
    if (!isPlainObject(target) || typeof target.name !== 'string' || target.name === '') {
      throw errors.invalid('Binding', r.name!, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    }
    await r.storage.guaranteedUpdate(
      r.namespace,
      r.name!,
      (current) => {
        const pod = current as Pod;
        if (pod.metadata.deletionTimestamp) {
          throw errors.conflict({ groupResource: 'pods/binding', name: r.name! }, `pod ${r.name} is being deleted, cannot be assigned to a host`);
        }
        if (pod.spec.nodeName) {
          throw errors.conflict({ groupResource: 'pods/binding', name: r.name! }, `pod ${r.name} is already assigned to node "${pod.spec.nodeName}"`);
        }
        if (binding.metadata.uid && binding.metadata.uid !== pod.metadata.uid) {
          throw errors.conflict({ groupResource: 'pods/binding', name: r.name! }, 'the UID in the binding does not match the pod');
        }
        pod.spec.nodeName = target.name;
        const status = (pod.status ??= {});
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() });
        status.conditions = conditions;
        return pod;
      },
      { subresource: 'binding', dryRun: isDryRun(r.query) },
    );
    const ok: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
    sendJson(res, 201, ok);
  }

  /** POST pods/{name}/eviction (kubectl drain): see eviction.ts. */
  private async evict(req: IncomingMessage, res: ServerResponse, r: ResourceRequest): Promise<void> {
    const eviction = (await this.decodeObject(req, r)) as KubeObject & { deleteOptions?: unknown };
    if (eviction.metadata.name !== undefined && eviction.metadata.name !== r.name) {
      throw errors.badRequest(`name in URL does not match name in Eviction object`);
    }
    const options = eviction.deleteOptions;
    if (options !== undefined && options !== null && !isPlainObject(options)) throw errors.badRequest('deleteOptions must be an object');
    await evictPod({ pods: r.storage, budgets: this.lookup?.('policy/v1', 'poddisruptionbudgets'), namespace: r.namespace ?? 'default', name: r.name!, options: (options ?? {}) as DeleteOptions, dryRun: isDryRun(r.query) });
    const ok: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
    sendJson(res, 201, ok);
  }

  private async deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const raw = await readBody(req);
    let options: DeleteOptions = {};
    if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
      const body = decodeBody(raw, req.headers['content-type'] ?? 'application/json', 'DeleteOptions');
      if (!isPlainObject(body)) throw errors.badRequest('DeleteOptions must be an object');
      options = body as DeleteOptions;
    }
    const grace = query.get('gracePeriodSeconds');
    if (grace !== null) options.gracePeriodSeconds = parseInteger(grace, 'gracePeriodSeconds');
    const policy = query.get('propagationPolicy');
    if (policy !== null) options.propagationPolicy = policy as NonNullable<DeleteOptions['propagationPolicy']>;
    if (options.gracePeriodSeconds !== undefined && (typeof options.gracePeriodSeconds !== 'number' || !Number.isInteger(options.gracePeriodSeconds))) {
      throw errors.badRequest('gracePeriodSeconds must be an integer');
    }
    if (options.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(options.propagationPolicy)) {
      throw errors.invalid('DeleteOptions', '', [
        { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${String(options.propagationPolicy)}": supported values: "Foreground", "Background", "Orphan", "nil"` },
      ]);
    }
    return options;
  }

  private async delete(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, rep: Representation): Promise<void> {
    const options = await this.deleteOptions(req, r.query);
    const { object, deleted } = await r.storage.delete(r.namespace, r.name!, options, { dryRun: isDryRun(r.query) });
    // Kubernetes answers 200 with the object for both an immediate and a graceful delete
    // (202 only when the delete is queued behind foreground propagation).
    void deleted;
    this.respond(res, 200, object, rep, r);
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, r: ResourceRequest): Promise<void> {
    const options = await this.deleteOptions(req, r.query);
    const predicate = predicateFor(r.storage.strategy, r.query);
    const out = await r.storage.list(r.namespace, predicate ? { predicate } : {});
    const items: KubeObject[] = [];
    for (const obj of out.items) {
      try {
        items.push((await r.storage.delete(obj.metadata.namespace, obj.metadata.name!, options, { dryRun: isDryRun(r.query) })).object);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
    }
    const t = r.storage.type;
    sendJson(res, 200, { kind: t.listKind, apiVersion: apiVersionOf(t), metadata: {}, items });
  }

  /** The parts of a watch both transports share: start, bookmarks, timeout, Tables. */
  async serveWatch(r: ResourceRequest, rep: Representation, sink: WatchSink & { onClose(fn: () => void): void }): Promise<void> {
    if (r.name !== undefined) {
      // GET .../pods/NAME?watch=1 (the old style) watches one object.
      return this.serveWatch({ ...r, name: undefined, query: withField(r.query, `metadata.name=${r.name}`) }, rep, sink);
    }
    const predicate = predicateFor(r.storage.strategy, r.query);
    // Every parameter is checked before the watch starts: a 400 after it started would
    // leave the watch registered and the client waiting on a stream that never ends.
    const requested = r.query.get('timeoutSeconds');
    const seconds = requested ? Math.min(parseNonNegativeInt(requested, 'timeoutSeconds'), MAX_WATCH_SECONDS) : MAX_WATCH_SECONDS * (1 + Math.random());
    let headersSent = false;
    const send = (event: WatchEvent) => {
      if (rep.kind === 'table' && event.type !== 'BOOKMARK') {
        event = { type: event.type, object: this.table([event.object], rep, r, event.object.metadata.resourceVersion, !headersSent) as unknown as KubeObject };
        headersSent = true;
      }
      sink.send(event);
    };
    let lastRv = r.query.get('resourceVersion') ?? '';
    const stop = await startWatch(this.store, r.storage, { namespace: r.namespace, predicate, resourceVersion: lastRv }, {
      send: (event) => {
        lastRv = event.object.metadata.resourceVersion ?? lastRv;
        send(event);
      },
      fail: (err) => sink.fail(err),
    });
    const timer = setTimeout(() => sink.fail(undefined), seconds * 1000);
    const bookmarks = isTrue(r.query.get('allowWatchBookmarks'))
      ? setInterval(async () => {
          const rv = String(await this.store.currentRevision());
          lastRv = rv;
          sink.send({ type: 'BOOKMARK', object: { kind: r.storage.type.kind, apiVersion: apiVersionOf(r.storage.type), metadata: { resourceVersion: rv } } });
        }, BOOKMARK_INTERVAL_MS)
      : undefined;
    sink.onClose(() => {
      stop();
      clearTimeout(timer);
      if (bookmarks) clearInterval(bookmarks);
    });
  }

  private async watchChunked(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, rep: Representation): Promise<void> {
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
    };
    const closers: (() => void)[] = [];
    const close = () => closers.splice(0).forEach((fn) => fn());
    res.on('close', close);
    await this.serveWatch(r, rep, {
      send: (event) => {
        start();
        res.write(serializeWatchEvent(event) + '\n');
      },
      fail: (err) => {
        start();
        if (err) res.write(JSON.stringify({ type: 'ERROR', object: (err as { status?: Status }).status ?? errors.internal(String(err)).status }) + '\n');
        res.end();
        close();
      },
      onClose: (fn) => closers.push(fn),
    });
    start();
  }
}

const defaultColumns: Table['columnDefinitions'] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

function withField(query: URLSearchParams, requirement: string): URLSearchParams {
  const q = new URLSearchParams(query);
  const existing = q.get('fieldSelector');
  q.set('fieldSelector', existing ? `${existing},${requirement}` : requirement);
  return q;
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function isWatch(query: URLSearchParams): boolean {
  return isTrue(query.get('watch'));
}

function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`Invalid dry run value: ${v}; valid values are: All`);
  return values.length > 0;
}

/** dryRun and fieldValidation from the query; warnings are collected for the response. */
function writeOptions(query: URLSearchParams): WriteOptions & { warnings: string[] } {
  const mode = query.get('fieldValidation');
  if (mode !== null && mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(mode)}`);
  }
  return { dryRun: isDryRun(query), ...(mode ? { fieldValidation: mode } : {}), warnings: [] };
}

/** RFC 7234 Warning headers, as kubectl prints them ("Warning: unknown field ..."). */
function setWarnings(res: ServerResponse, warnings: string[] | undefined): void {
  if (!warnings?.length) return;
  res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
}

function parseInteger(v: string, name: string): number {
  if (!/^-?\d{1,12}$/.test(v)) throw errors.badRequest(`invalid ${name}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

function parseNonNegativeInt(v: string, name: string): number {
  const n = parseInteger(v, name);
  if (n < 0) throw errors.badRequest(`invalid ${name}: ${n}: must be non-negative`);
  return n;
}

/** The patch types served (server-side apply is not, yet). */
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function patchFunction(type: string): (current: KubeObject, patch: unknown) => unknown {
  switch (type) {
    case 'application/merge-patch+json':
      return (c, p) => {
        if (!isPlainObject(p)) throw errors.badRequest('a merge patch must be a JSON object');
        return applyMergePatch(c, p);
      };
    case 'application/strategic-merge-patch+json':
      return (c, p) => applyStrategicMergePatch(c, p);
    case 'application/json-patch+json':
      return (c, p) => applyJsonPatch(c, p);
    case 'application/apply-patch+yaml':
      throw errors.unsupportedMediaType(PATCH_TYPES);
    default:
      throw errors.unsupportedMediaType(PATCH_TYPES);
  }
}
