// A minimal OpenAPI v2 document: enough for clients that download it (kubectl's client-side
// validation, client libraries) to find each kind's group/version/kind. Kinds are described
// as open objects, so validation of their fields is left to the server (which validates
// everything it stores).

import { apiVersionOf, type ResourceType } from '../../../api/resources.js';

export function openapiV2(types: ResourceType[], version: string) {
  const definitions: Record<string, unknown> = {};
  for (const t of types) {
    const group = t.group === '' ? 'core' : t.group.split('.')[0];
    definitions[`io.k8s.api.${group}.${t.version}.${t.kind}`] = {
      description: `${t.kind} (${apiVersionOf(t)})`,
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }],
    };
  }
  return { swagger: '2.0', info: { title: 'Skiff', version }, paths: {}, definitions };
}
