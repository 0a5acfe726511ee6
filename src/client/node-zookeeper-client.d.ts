/** Minimal ambient declaration of the wire client; its API is used untyped inside `wire.ts` only. */
declare module 'node-zookeeper-client' {
  const zookeeper: {
    createClient(connectString: string, options: Record<string, unknown>): any; // eslint-disable-line @typescript-eslint/no-explicit-any
    ACL: new (perms: number, id: unknown) => unknown;
    Id: new (scheme: string, id: string) => unknown;
  };
  export default zookeeper;
}
