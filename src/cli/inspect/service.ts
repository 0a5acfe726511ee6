/**
 * `inspect service`: a `ServiceDiscovery` base path (Curator's layout: `<basePath>/<name>/<id>`, each
 * instance's node holding Curator's `ServiceInstance` JSON), every service or the one named. Instance data
 * is read with the recipe's own parser; the payload is not shown.
 */
import { joinPath, validatePath, type ZkClient } from '../../index';
import { sessionIdHex } from '../../client/stat';
import { parseServiceInstance, type ServiceType } from '../../recipes/naming/instance';
import { listOrEmpty, readNode } from '../contenders';
import { formatAge } from '../output';
import type { Inspector } from './inspector';

/** One registered instance, as reported. */
export interface InstanceReport {
  /** The instance's id (its node's name). */
  id: string;
  /** `address:port` (or the address alone without a port), `null` without an address. */
  endpoint: string | null;
  /** Host or IP address, or `null`. */
  address: string | null;
  /** Port, or `null`. */
  port: number | null;
  /** TLS port, or `null`. */
  sslPort: number | null;
  /** How the instance is kept. */
  serviceType: ServiceType;
  /** False: taken out of every provider's choice. */
  enabled: boolean;
  /** When the instance was made (its `registrationTimeUTC`), as an ISO time. */
  registered: string;
  /** Session id (16 hex digits) of the ephemeral node's owner, `null` for a persistent (STATIC, PERMANENT) one. */
  sessionId: string | null;
  /** Time since its node was created, by this machine's clock. */
  ageMs: number;
  /** Why the node's data could not be read as an instance (the other fields are then empty). */
  error?: string;
}

/** One service and its instances. */
export interface ServiceReport {
  /** The service's name. */
  name: string;
  /** Its instances, by id. */
  instances: InstanceReport[];
}

async function readService(client: ZkClient, basePath: string, name: string): Promise<ServiceReport> {
  const servicePath = joinPath(basePath, name);
  const now = Date.now();
  const read = await Promise.all(
    (await listOrEmpty(client, servicePath)).sort().map(async (id): Promise<InstanceReport | undefined> => {
      const path = joinPath(servicePath, id);
      const node = await readNode(client, path);
      if (node === undefined) return undefined;
      const owner = node.stat.ephemeralOwner === 0n ? null : sessionIdHex(node.stat.ephemeralOwner);
      const common = { id, sessionId: owner, ageMs: now - node.stat.ctime };
      try {
        const instance = parseServiceInstance(node.data, path);
        return {
          ...common,
          endpoint: instance.address === null ? null : instance.port === null ? instance.address : `${instance.address}:${instance.port}`,
          address: instance.address,
          port: instance.port,
          sslPort: instance.sslPort,
          serviceType: instance.serviceType,
          enabled: instance.enabled,
          registered: new Date(instance.registrationTimeUTC).toISOString(),
        };
      } catch (error) {
        const empty = { endpoint: null, address: null, port: null, sslPort: null, serviceType: 'DYNAMIC' as const, enabled: false, registered: new Date(0).toISOString() };
        return { ...common, ...empty, error: (error as Error).message };
      }
    }),
  );
  return { name, instances: read.filter((instance): instance is InstanceReport => instance !== undefined) };
}

function instanceLine(instance: InstanceReport): string {
  if (instance.error !== undefined) return `    ${instance.id}  unreadable: ${instance.error}`;
  const parts = [
    instance.endpoint ?? '(no address)',
    instance.sslPort === null ? '' : `ssl ${instance.sslPort}`,
    instance.serviceType,
    instance.enabled ? '' : 'disabled',
    `registered ${instance.registered}`,
    instance.sessionId === null ? 'persistent' : `session 0x${instance.sessionId}`,
    `age ${formatAge(instance.ageMs)}`,
  ].filter((part) => part !== '');
  return `    ${instance.id}  ${parts.join('  ')}`;
}

export const serviceInspector: Inspector = {
  summary: 'services and their instances (ServiceDiscovery, Curator ServiceDiscovery)',
  optionalArg: 'name',
  async inspect(client, basePath, name) {
    let names: string[];
    if (name === undefined) {
      names = (await listOrEmpty(client, basePath)).sort();
    } else {
      validatePath(joinPath(basePath, name));
      // A service that is not there: the client's NO_NODE, which the command reports as "<path> does not exist".
      await client.getChildren(joinPath(basePath, name));
      names = [name];
    }
    const services = await Promise.all(names.map((n) => readService(client, basePath, n)));
    const text = [
      `services under ${basePath}: ${services.length} service(s)`,
      ...services.flatMap((service) => [`  ${service.name}: ${service.instances.length} instance(s)`, ...service.instances.map(instanceLine)]),
    ];
    return { json: { kind: 'service', path: basePath, services }, text: text.join('\n') };
  },
};
