// @peculiar/x509 resolves its algorithm plug-ins with tsyringe, which refuses to load
// unless the (never standardised) Reflect metadata API exists. tsyringe only needs
// getMetadata / getOwnMetadata / defineMetadata on class constructors, so this installs a
// minimal WeakMap-backed version when no full polyfill (such as reflect-metadata) is
// present. Import this module before '@peculiar/x509' (x509.ts does).

type MetadataMap = Map<unknown, unknown>;
type PropertyKeyOrNone = string | symbol | undefined;

const store = new WeakMap<object, Map<PropertyKeyOrNone, MetadataMap>>();

function own(target: object, property: PropertyKeyOrNone, create: boolean): MetadataMap | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (!map && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

const api = {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void {
    own(target, property, true)?.set(key, value);
  },
  getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown {
    return own(target, property, false)?.get(key);
  },
  hasOwnMetadata(key: unknown, target: object, property?: string | symbol): boolean {
    return own(target, property, false)?.has(key) ?? false;
  },
  // Inherited lookup walks the prototype chain, as the metadata proposal specifies.
  getMetadata(key: unknown, target: object, property?: string | symbol): unknown {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const map = own(t, property, false);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  },
  hasMetadata(key: unknown, target: object, property?: string | symbol): boolean {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      if (own(t, property, false)?.has(key)) return true;
    }
    return false;
  },
  metadata(key: unknown, value: unknown) {
    return (target: object, property?: string | symbol): void => api.defineMetadata(key, value, target, property);
  },
};

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect['getMetadata'] !== 'function') {
  for (const [name, fn] of Object.entries(api)) {
    if (typeof reflect[name] !== 'function') reflect[name] = fn;
  }
}

export {};
