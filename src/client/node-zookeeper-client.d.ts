/** Minimal ambient declaration of the wire client; its API is used untyped inside `wire.ts` only. */
declare module 'node-zookeeper-client' {
  const zookeeper: {
    createClient(connectString: string, options: Record<string, unknown>): any; // eslint-disable-line @typescript-eslint/no-explicit-any
    ACL: new (perms: number, id: unknown) => unknown;
    Id: new (scheme: string, id: string) => unknown;
    /** Its exception class, with every result code it knows as a numeric property (`NO_NODE: -101`, ...). */
    Exception: Record<string, unknown>;
  };
  export default zookeeper;
}
