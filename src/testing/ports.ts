/** Free loopback ports, chosen by the operating system. */
import * as net from 'node:net';

/** The loopback address every test server and proxy listens on. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the OS for `count` distinct free TCP ports on loopback: binds them all to port 0 at once (so they
 * differ), reads the numbers, closes. Another process can take one before ZooKeeper binds it, so starters
 * retry on a bind failure.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: LOOPBACK, port: 0, exclusive: true }, resolve);
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Resolves true when `host:port` can be bound right now (nothing listens on it). */
export function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Splits `host:port` (an IPv6 host may be bracketed); throws on anything else. */
export function parseHostPort(server: string): { host: string; port: number } {
  const colon = server.lastIndexOf(':');
  const port = Number(server.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535 || server.includes(',')) {
    throw new Error(`not a host:port: ${JSON.stringify(server)}`);
  }
  return { host: server.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}
