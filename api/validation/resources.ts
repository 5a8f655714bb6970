// Container resource requirements, checked as Kubernetes' validateResourceRequirements
// does: resource names, quantities that parse and are not negative, and requests that do
// not exceed limits (or equal them, for resources that cannot be overcommitted).
//
// Kubernetes rejects an unparsable quantity while decoding the request (400). Skiff keeps
// the object as JSON until validation, so such a value becomes a field error here, with
// the parser's own message.

import type { ResourceRequirements } from '../types.js';
import { compareQuantities, formatQuantity, isWholeQuantity, parseQuantity, QuantityError, value, type Quantity } from '../quantity.js';
import { forbidden, invalid, required, StringerValue, type FieldError } from './field-error.js';
import { IS_NEGATIVE_ERROR_MSG } from './object-meta.js';
import { isQualifiedName } from './names.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');

/** Domain-prefixed, non-kubernetes.io resources such as "example.com/gpu". */
export function isExtendedResourceName(name: string): boolean {
  if (isNative(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** CPU, memory and storage can be overcommitted; hugepages and extended resources cannot. */
export function isOvercommitAllowed(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const nameProblems = isQualifiedName(name);
  for (const msg of nameProblems) errs.push(invalid(field, name, msg));
  const oneSegment = name.split('/').length === 1;
  if (nameProblems.length === 0 && oneSegment && !STANDARD_RESOURCES.has(name) && !isHugePages(name) && !name.startsWith('requests.hugepages-')) {
    errs.push(invalid(field, name, 'must be a standard resource type or fully qualified'));
  }
  if (oneSegment) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

function validateQuantityValue(name: string, q: Quantity, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.mantissa < 0n) errs.push(invalid(field, formatQuantity(q), IS_NEGATIVE_ERROR_MSG));
  // Extended resources are counted in whole units.
  if (isExtendedResourceName(name) && !isWholeQuantity(q)) errs.push(invalid(field, new StringerValue(formatQuantity(q)), 'must be an integer'));
  if (isHugePages(name)) {
    let page: Quantity | undefined;
    try {
      page = parseQuantity(name.slice('hugepages-'.length));
    } catch {
      page = undefined;
    }
    const size = page ? value(page) : 0n;
    if (size <= 0n || !isWholeQuantity(q) || value(q) % size !== 0n) {
      errs.push(invalid(field, formatQuantity(q), `${formatQuantity(q)} is not positive integer multiple of ${name}`));
    }
  }
  return errs;
}

/** A quantity from JSON: Kubernetes accepts both "500m" and bare numbers like 2. */
function readQuantity(raw: unknown, field: string, errs: FieldError[]): Quantity | undefined {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : undefined;
  try {
    if (text === undefined) throw new QuantityError('FormatWrong', String(raw));
    return parseQuantity(text);
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    errs.push(invalid(field, raw, err.message));
    return undefined;
  }
}

export function validateResourceRequirements(resources: ResourceRequirements | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const limitsPath = `${field}.limits`;
  const requestsPath = `${field}.requests`;
  const limits = new Map<string, Quantity | undefined>();
  let computeResource = false;
  let hugePages = false;

  for (const [name, raw] of Object.entries(resources?.limits ?? {})) {
    const path = `${limitsPath}[${name}]`;
    errs.push(...validateContainerResourceName(name, path));
    const q = readQuantity(raw, path, errs);
    limits.set(name, q);
    if (q) errs.push(...validateQuantityValue(name, q, path));
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') computeResource = true;
  }
  for (const [name, raw] of Object.entries(resources?.requests ?? {})) {
    const path = `${requestsPath}[${name}]`;
    errs.push(...validateContainerResourceName(name, path));
    const q = readQuantity(raw, path, errs);
    if (q) errs.push(...validateQuantityValue(name, q, path));
    if (limits.has(name)) {
      const limit = limits.get(name);
      if (q && limit) {
        const cmp = compareQuantities(q, limit);
        if (cmp !== 0 && !isOvercommitAllowed(name)) {
          errs.push(invalid(requestsPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(limit)}`));
        } else if (cmp > 0) {
          errs.push(invalid(requestsPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`));
        }
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limitsPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') computeResource = true;
  }
  if (hugePages && !computeResource) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  return errs;
}
