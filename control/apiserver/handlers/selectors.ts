// labelSelector / fieldSelector query parameters → one predicate over stored objects.
// Parse errors and unsupported fields are 400s with Kubernetes' wording.

import { errors } from '../../../api/errors.js';
import { FieldSelectorError, parseFieldSelector } from '../../../api/fields.js';
import { LabelSelectorError, parseLabelSelector } from '../../../api/labels.js';
import type { KubeObject } from '../../../api/types.js';
import type { Predicate } from '../registry/storage.js';
import type { Strategy } from '../registry/strategy.js';

function metadataGetter(obj: KubeObject) {
  return (field: string): string | undefined => {
    if (field === 'metadata.name') return obj.metadata.name ?? '';
    if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
    return undefined;
  };
}

export function predicateFor(strategy: Strategy, query: URLSearchParams): Predicate | undefined {
  const labelText = query.get('labelSelector') ?? '';
  const fieldText = query.get('fieldSelector') ?? '';
  if (!labelText && !fieldText) return undefined;
  let labels;
  let fields;
  try {
    labels = parseLabelSelector(labelText);
  } catch (err) {
    if (err instanceof LabelSelectorError) throw errors.badRequest(err.message);
    throw err;
  }
  const names = ['metadata.name', ...(strategy.type.namespaced ? ['metadata.namespace'] : []), ...(strategy.fields?.names ?? [])];
  try {
    fields = parseFieldSelector(fieldText, { names, ...(strategy.fields?.aliases ? { aliases: strategy.fields.aliases } : {}) });
  } catch (err) {
    if (err instanceof FieldSelectorError) throw errors.badRequest(err.message);
    throw err;
  }
  const specific = strategy.fields?.getter;
  return (obj) => {
    if (!labels.empty && !labels.matches(obj.metadata.labels)) return false;
    if (fields.empty) return true;
    const meta = metadataGetter(obj);
    const own = specific?.(obj);
    return fields.matches((f) => meta(f) ?? own?.(f));
  };
}
