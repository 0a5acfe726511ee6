/** ServiceInstance: Curator's JSON both ways, the uriSpec template, the factory's defaults and checks. */
import {
  buildUri,
  InvalidServiceInstanceError,
  parseServiceInstance,
  serializeServiceInstance,
  serviceInstance,
} from '../../../src/recipes/naming';

/** What Curator 5.4's default JsonInstanceSerializer wrote for an instance with a uriSpec and a Map payload. */
const CURATOR_JSON =
  '{"name":"svc","id":"java-2","address":"127.0.0.1","port":9001,"sslPort":null,' +
  '"payload":{"@class":"java.util.HashMap","zone":"eu"},"registrationTimeUTC":1700000000000,"serviceType":"DYNAMIC",' +
  '"uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},' +
  '{"value":":","variable":false},{"value":"port","variable":true}]}}';

test('reads Curator JSON: missing enabled is true, uriSpec parts become a template, payload kept as is', () => {
  const instance = parseServiceInstance(Buffer.from(CURATOR_JSON), '/services/svc/java-2');
  expect(instance).toEqual({
    name: 'svc',
    id: 'java-2',
    address: '127.0.0.1',
    port: 9001,
    sslPort: null,
    payload: { '@class': 'java.util.HashMap', zone: 'eu' },
    registrationTimeUTC: 1_700_000_000_000,
    serviceType: 'DYNAMIC',
    uriSpec: '{scheme}://{address}:{port}',
    enabled: true,
  });
  expect(buildUri(instance)).toBe('http://127.0.0.1:9001');
  expect(parseServiceInstance(Buffer.from('{"name":"a","id":"b","enabled":false}'), '/x').enabled).toBe(false);
});

test('writes Curator JSON: its field order, enabled only when false, uriSpec as parts; round-trips', () => {
  const instance = serviceInstance({
    name: 'svc',
    id: 'node-1',
    address: '127.0.0.1',
    port: 9001,
    registrationTimeUTC: 1_700_000_000_000,
    uriSpec: '{scheme}://{address}:{port}',
    payload: { '@class': 'java.util.HashMap', zone: 'eu' },
  });
  const json = serializeServiceInstance(instance).toString();
  expect(json).toBe(CURATOR_JSON.replace('"java-2"', '"node-1"'));
  expect(parseServiceInstance(Buffer.from(json), '/x')).toEqual(instance);
  const disabled = { ...instance, enabled: false };
  expect(serializeServiceInstance(disabled).toString()).toMatch(/"uriSpec":\{.*\},"enabled":false\}$/);
  expect(parseServiceInstance(serializeServiceInstance(disabled), '/x')).toEqual(disabled);
});

test('uriSpec: literal braces survive the round trip as Curator variables; https with an sslPort; extra variables', () => {
  const instance = serviceInstance({ name: 's', id: 'i', address: 'h', sslPort: 443, uriSpec: '{scheme}://{address}:{ssl-port}/{x}/{[}' });
  expect(buildUri(instance, { x: 'v' })).toBe('https://h:443/v/{');
  const template = serviceInstance({ name: 's', id: 'i', address: 'h', uriSpec: '{scheme}://{address}/{[}' });
  expect(parseServiceInstance(serializeServiceInstance(template), '/x').uriSpec).toBe(template.uriSpec);
  expect(buildUri(serviceInstance({ name: 's' }))).toBe('');
});

test('factory defaults: uuid id, an address, now, DYNAMIC, enabled', () => {
  const before = Date.now();
  const instance = serviceInstance({ name: 'svc' });
  expect(instance.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(instance.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(instance.registrationTimeUTC).toBeGreaterThanOrEqual(before);
  expect(instance).toMatchObject({ serviceType: 'DYNAMIC', enabled: true, port: null, sslPort: null, payload: null, uriSpec: null });
});

test.each([
  ['name', { name: 'a/b' }],
  ['name', { name: '' }],
  ['name', { name: '..' }],
  ['id', { name: 'a', id: 'x/y' }],
  ['id', { name: 'a', id: 'bad\u0001' }],
  ['port', { name: 'a', port: 0 }],
  ['port', { name: 'a', port: 65_536 }],
  ['port', { name: 'a', port: 80.5 }],
  ['sslPort', { name: 'a', sslPort: -1 }],
  ['payload', { name: 'a', payload: { big: 1n } }],
  ['payload', { name: 'a', payload: () => 1 }],
  ['serviceType', { name: 'a', serviceType: 'EPHEMERAL' }],
  ['uriSpec', { name: 'a', uriSpec: '{scheme' }],
  ['enabled', { name: 'a', enabled: 'yes' }],
])('refuses a bad %s: %p', (field, init) => {
  let caught: unknown;
  try {
    serviceInstance(init as never);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidServiceInstanceError);
  expect(caught).toBeInstanceOf(TypeError);
  expect((caught as InvalidServiceInstanceError).field).toBe(field);
});

test('a cyclic payload and non-JSON node data are typed errors', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  expect(() => serviceInstance({ name: 'a', payload: cyclic })).toThrow(InvalidServiceInstanceError);
  expect(() => parseServiceInstance(Buffer.from('not json'), '/s/a/1')).toThrow(/\/s\/a\/1 is not JSON/);
  expect(() => parseServiceInstance(Buffer.from('[1]'), '/s/a/1')).toThrow(InvalidServiceInstanceError);
});
