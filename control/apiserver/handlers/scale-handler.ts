// GET / PUT / PATCH of the scale subresource (deployments/scale, replicasets/scale): the
// object is read and written as an autoscaling/v1 Scale, so `kubectl scale` and
// autoscalers work without knowing the kind. Only spec.replicas is ever changed.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/types.js';
import { decodeBody, mediaType, readBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { applyScale, toScale } from '../registry/scale.js';
import type { ResourceStorage } from '../registry/storage.js';

export interface ScaleRequest {
  storage: ResourceStorage;
  namespace?: string | undefined;
  name: string;
  dryRun: boolean;
  /** The patch function for the request's Content-Type (PATCH only). */
  patchFunction: (type: string) => (current: KubeObject, patch: unknown) => unknown;
}

export async function serveScale(req: IncomingMessage, res: ServerResponse, r: ScaleRequest): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET') return sendJson(res, 200, toScale(await r.storage.get(r.namespace, r.name)));
  let mutate: (current: KubeObject) => KubeObject;
  if (method === 'PUT') {
    const body = decodeBody(await readBody(req), req.headers['content-type']);
    mutate = (current) => applyScale(current, body);
  } else if (method === 'PATCH') {
    const apply = r.patchFunction(mediaType(req.headers['content-type']));
    const patch = decodeBody(await readBody(req), 'application/json', 'patch');
    mutate = (current) => {
      const scale = toScale(current);
      // A patch applies to the current Scale unless it names a resourceVersion itself.
      delete scale.metadata.resourceVersion;
      return applyScale(current, apply(scale, patch));
    };
  } else {
    throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
  }
  const updated = await r.storage.guaranteedUpdate(r.namespace, r.name, mutate, { dryRun: r.dryRun });
  sendJson(res, 200, toScale(updated));
}
