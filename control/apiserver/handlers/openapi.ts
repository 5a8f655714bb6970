// OpenAPI v2 for clients that download it. kubectl fetches it as protobuf (the gnostic
// OpenAPIv2 Document) for client-side validation; a document without definitions makes it
// skip validation of every kind ("resource is not present, let's just skip validation"),
// which leaves validation to this server — where it happens for everything stored anyway.
// JSON clients get the same document as JSON, with a stub per kind naming its GVK.

import { apiVersionOf, type ResourceType } from '../../../api/resources.js';

/** What kubectl asks for (Accept) and what the API server answers with (Content-Type:
 * '@' is not valid in a media type, so the reply spells the version with a dot). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

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

/** Protobuf length-delimited field (wire type 2) with a short payload. */
function field(no: number, payload: Buffer): Buffer {
  if (payload.length > 127) throw new Error('payload too long for a one-byte length');
  return Buffer.concat([Buffer.from([(no << 3) | 2, payload.length]), payload]);
}

/** Document{swagger: "2.0", info: Info{title, version}}: no paths, no definitions. */
export function openapiV2Protobuf(version: string): Buffer {
  const info = Buffer.concat([field(1, Buffer.from('Skiff')), field(2, Buffer.from(version))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}
