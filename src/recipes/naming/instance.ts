/**
 * {@link ServiceInstance}: one registered instance of a service, and its JSON form, which is Apache
 * Curator's (curator-x-discovery's `JsonInstanceSerializer`), so Java services and ours read each other.
 */
import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { toPayload } from '../../client/validate';
import { InvalidServiceInstanceError } from './errors';

/**
 * How an instance is kept, as Curator's `ServiceType`: `DYNAMIC` is an ephemeral node (gone with the
 * session, re-registered after it), `DYNAMIC_SEQUENTIAL` the same with a sequence appended to the node name,
 * `STATIC` a persistent node removed by `close()`, `PERMANENT` a persistent node that outlives the process
 * (only `unregister()` removes it).
 */
export type ServiceType = 'DYNAMIC' | 'STATIC' | 'PERMANENT' | 'DYNAMIC_SEQUENTIAL';

const SERVICE_TYPES: ReadonlySet<unknown> = new Set<ServiceType>(['DYNAMIC', 'STATIC', 'PERMANENT', 'DYNAMIC_SEQUENTIAL']);

/** One registered instance of a service. Field names and meaning are Curator's `ServiceInstance`. */
export interface ServiceInstance<Payload = unknown> {
  /** The service's name: the node `<basePath>/<name>`. */
  readonly name: string;
  /** This instance's id, unique within the service: the node `<basePath>/<name>/<id>`. */
  readonly id: string;
  /** Host or IP address the instance listens on. */
  readonly address: string | null;
  /** Port, or null. */
  readonly port: number | null;
  /** TLS port, or null. */
  readonly sslPort: number | null;
  /** Anything JSON: what else callers need to know. Curator writes Jackson's `@class` into an object payload. */
  readonly payload: Payload | null;
  /** When the instance was made, milliseconds since the epoch (UTC). */
  readonly registrationTimeUTC: number;
  /** How the instance is kept (see {@link ServiceType}). */
  readonly serviceType: ServiceType;
  /** A URI template such as `{scheme}://{address}:{port}/api` (see {@link buildUri}), or null. */
  readonly uriSpec: string | null;
  /** False takes the instance out of every provider's choice without unregistering it. */
  readonly enabled: boolean;
}

/** What {@link serviceInstance} takes: `name` and whatever differs from the defaults. */
export type ServiceInstanceInit<Payload = unknown> = Pick<ServiceInstance<Payload>, 'name'> &
  Partial<Omit<ServiceInstance<Payload>, 'name'>>;

/**
 * Makes a checked {@link ServiceInstance}: `id` defaults to a random UUID, `address` to this host's first
 * non-internal IPv4 address (`127.0.0.1` without one, as Curator takes the first NIC's),
 * `registrationTimeUTC` to now, `serviceType` to `DYNAMIC`, `enabled` to true, everything else to null.
 * Throws {@link InvalidServiceInstanceError} for a name or id that cannot be one node name, a port outside
 * 1..65535, a payload that is not JSON, or an unknown service type.
 *
 * @example
 * ```ts
 * const instance = serviceInstance({ name: 'billing', port: 8080, payload: { zone: 'eu-1' } });
 * await discovery.register(instance);
 * ```
 */
export function serviceInstance<Payload = unknown>(init: ServiceInstanceInit<Payload>): ServiceInstance<Payload> {
  if (typeof init !== 'object' || init === null) throw new InvalidServiceInstanceError('instance', 'must be an object');
  const instance: ServiceInstance<Payload> = {
    name: init.name,
    id: init.id ?? randomUUID(),
    address: init.address === undefined ? defaultAddress() : init.address,
    port: init.port ?? null,
    sslPort: init.sslPort ?? null,
    payload: init.payload ?? null,
    registrationTimeUTC: init.registrationTimeUTC ?? Date.now(),
    serviceType: init.serviceType ?? 'DYNAMIC',
    uriSpec: init.uriSpec ?? null,
    enabled: init.enabled ?? true,
  };
  validateServiceInstance(instance);
  return instance;
}

/** This host's first non-internal IPv4 address, else the loopback address. */
function defaultAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

/**
 * Throws {@link InvalidServiceInstanceError} unless `value` can be one node name: a non-empty string without
 * `/`, not `.` or `..`, free of the characters ZooKeeper refuses in paths.
 */
export function validateNodeName(value: unknown, field: 'name' | 'id'): asserts value is string {
  if (typeof value !== 'string') throw new InvalidServiceInstanceError(field, `must be a string, got ${typeof value}`);
  if (value.length === 0) throw new InvalidServiceInstanceError(field, 'must not be empty');
  if (value.includes('/')) throw new InvalidServiceInstanceError(field, `must not contain '/': ${JSON.stringify(value)}`);
  if (value === '.' || value === '..') throw new InvalidServiceInstanceError(field, `must not be '${value}'`);
  // ZooKeeper's refused characters (as validatePath's): control characters, surrogates, private use, specials.
  // eslint-disable-next-line no-control-regex -- ZooKeeper refuses control characters in names: this is that rule
  if (/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(value)) {
    throw new InvalidServiceInstanceError(field, `has a character ZooKeeper refuses: ${JSON.stringify(value)}`);
  }
}

function validatePort(value: unknown, field: 'port' | 'sslPort'): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidServiceInstanceError(field, `must be an integer or null, got ${inspect(value)}`);
  }
  if (value < 1 || value > 65_535) throw new InvalidServiceInstanceError(field, `must be between 1 and 65535, got ${value}`);
}

/** Checks every field of `instance` (see {@link serviceInstance}); throws {@link InvalidServiceInstanceError}. */
function validateServiceInstance(instance: unknown): asserts instance is ServiceInstance {
  if (typeof instance !== 'object' || instance === null) throw new InvalidServiceInstanceError('instance', 'must be an object');
  const i = instance as Record<keyof ServiceInstance, unknown>;
  validateNodeName(i.name, 'name');
  validateNodeName(i.id, 'id');
  if (i.address !== null && typeof i.address !== 'string') throw new InvalidServiceInstanceError('address', 'must be a string or null');
  validatePort(i.port, 'port');
  validatePort(i.sslPort, 'sslPort');
  if (typeof i.registrationTimeUTC !== 'number' || !Number.isSafeInteger(i.registrationTimeUTC)) {
    throw new InvalidServiceInstanceError('registrationTimeUTC', 'must be an integer (ms since the epoch)');
  }
  if (!SERVICE_TYPES.has(i.serviceType)) {
    throw new InvalidServiceInstanceError('serviceType', `must be one of ${[...SERVICE_TYPES].join(', ')}, got ${String(i.serviceType)}`);
  }
  if (i.uriSpec !== null) {
    if (typeof i.uriSpec !== 'string') throw new InvalidServiceInstanceError('uriSpec', 'must be a string or null');
    parseUriSpec(i.uriSpec);
  }
  if (typeof i.enabled !== 'boolean') throw new InvalidServiceInstanceError('enabled', 'must be a boolean');
  jsonPayload(i.payload);
}

/** The payload as JSON text; throws when it has none (a function, a symbol) or JSON cannot write it (BigInt, cycles). */
function jsonPayload(payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new InvalidServiceInstanceError('payload', `cannot be written as JSON (${(error as Error).message})`, { cause: error });
  }
  if (json === undefined) throw new InvalidServiceInstanceError('payload', `cannot be written as JSON (${typeof payload})`);
  return json;
}

/** One part of a Curator `UriSpec`: a literal or a variable name. */
interface UriPart {
  value: string;
  variable: boolean;
}

/** Splits a template into Curator's parts; throws on unbalanced braces, as Curator's `UriSpec` does. */
function parseUriSpec(spec: string): UriPart[] {
  const parts: UriPart[] = [];
  let inside = false;
  for (const token of spec.split(/([{}])/)) {
    if (token === '{') {
      if (inside) throw new InvalidServiceInstanceError('uriSpec', `'{' inside a variable: ${JSON.stringify(spec)}`);
      inside = true;
    } else if (token === '}') {
      if (!inside) throw new InvalidServiceInstanceError('uriSpec', `'}' without '{': ${JSON.stringify(spec)}`);
      inside = false;
    } else if (token !== '') {
      parts.push({ value: inside ? token.trim() : token, variable: inside });
    }
  }
  if (inside) throw new InvalidServiceInstanceError('uriSpec', `variable not closed: ${JSON.stringify(spec)}`);
  return parts;
}

/** Curator's parts back into a template; literal braces become Curator's `{[}` / `{]}` variables. */
function formatUriSpec(parts: readonly UriPart[]): string {
  return parts
    .map((part) => (part.variable ? `{${part.value}}` : part.value.replaceAll('{', '{[}').replaceAll('}', '{]}')))
    .join('');
}

/**
 * Fills in `instance.uriSpec`, as Curator's `UriSpec.build`: `{scheme}` (`https` when there is an
 * `sslPort`, else `http`), `{name}`, `{id}`, `{address}`, `{port}`, `{ssl-port}`, `{registration-time-utc}`,
 * `{service-type}` (lower case), `{[}` / `{]}` for literal braces, then `variables`; an unknown variable
 * becomes empty. Returns `''` without a uriSpec.
 *
 * @example
 * ```ts
 * buildUri(serviceInstance({ name: 'api', address: '10.0.0.7', port: 80, uriSpec: '{scheme}://{address}:{port}/v1' }));
 * // 'http://10.0.0.7:80/v1'
 * ```
 */
export function buildUri(instance: ServiceInstance, variables: Readonly<Record<string, string | number>> = {}): string {
  if (instance.uriSpec === null) return '';
  const values: Record<string, string | number> = {
    '[': '{',
    ']': '}',
    scheme: instance.sslPort === null ? 'http' : 'https',
    name: instance.name,
    id: instance.id,
    address: instance.address ?? '',
    port: instance.port ?? '',
    'ssl-port': instance.sslPort ?? '',
    'registration-time-utc': instance.registrationTimeUTC,
    'service-type': instance.serviceType.toLowerCase(),
    ...variables,
  };
  return parseUriSpec(instance.uriSpec)
    .map((part) => (part.variable ? String(values[part.value] ?? '') : part.value))
    .join('');
}

/**
 * The node data of `instance`: Curator's JSON, fields in Curator's order. `enabled` is written only when
 * false: Curator 5's default serializer leaves it out (CURATOR-275) and reads a missing one as true.
 */
export function serializeServiceInstance(instance: ServiceInstance): Buffer {
  validateServiceInstance(instance);
  const uriSpec = instance.uriSpec === null ? 'null' : JSON.stringify({ parts: parseUriSpec(instance.uriSpec) });
  const fields = [
    `"name":${JSON.stringify(instance.name)}`,
    `"id":${JSON.stringify(instance.id)}`,
    `"address":${JSON.stringify(instance.address)}`,
    `"port":${JSON.stringify(instance.port)}`,
    `"sslPort":${JSON.stringify(instance.sslPort)}`,
    `"payload":${jsonPayload(instance.payload)}`,
    `"registrationTimeUTC":${instance.registrationTimeUTC}`,
    `"serviceType":${JSON.stringify(instance.serviceType)}`,
    `"uriSpec":${uriSpec}`,
  ];
  if (!instance.enabled) fields.push('"enabled":false');
  try {
    return toPayload(`{${fields.join(',')}}`, 'service instance data');
  } catch (error) {
    throw new InvalidServiceInstanceError('payload', (error as Error).message, { cause: error });
  }
}

/**
 * Reads node data written by Curator or by us. Missing fields take Curator's defaults (a missing `enabled`
 * is true, a missing `serviceType` is `DYNAMIC`); unknown fields are ignored, as Curator's reader does.
 * Throws {@link InvalidServiceInstanceError} (field `instance`, naming `path` when given) for data that is not such JSON.
 */
export function parseServiceInstance(data: Buffer, path?: string): ServiceInstance {
  const what = path === undefined ? 'the node data' : `the data of ${path}`;
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new InvalidServiceInstanceError('instance', `${what} is not JSON`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidServiceInstanceError('instance', `${what} is not a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  const int = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);
  return {
    name: text(raw['name']) ?? '',
    id: text(raw['id']) ?? '',
    address: text(raw['address']),
    port: int(raw['port']),
    sslPort: int(raw['sslPort']),
    payload: raw['payload'] ?? null,
    registrationTimeUTC: int(raw['registrationTimeUTC']) ?? 0,
    serviceType: SERVICE_TYPES.has(raw['serviceType']) ? (raw['serviceType'] as ServiceType) : 'DYNAMIC',
    uriSpec: readUriSpec(raw['uriSpec']),
    enabled: raw['enabled'] !== false,
  };
}

function readUriSpec(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const parts = (value as { parts?: unknown }).parts;
  if (!Array.isArray(parts)) return null;
  return formatUriSpec(
    parts.map((part: unknown) => {
      const p = (part ?? {}) as { value?: unknown; variable?: unknown };
      return { value: typeof p.value === 'string' ? p.value : '', variable: p.variable === true };
    }),
  );
}
