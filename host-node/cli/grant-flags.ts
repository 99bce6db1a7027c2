import { WasmhostError } from '../../src/errors.js';
import type { Grants } from '../../src/capabilities/grants.js';
import { originOf } from '../../src/capabilities/http-outgoing.js';

/** The `--grant` forms the CLI accepts, for help text and errors. */
export const GRANT_FORMS = 'sensors[=a,b]  actuators[=a,b]  keyvalue=bucket,…  publish=topic,…  subscribe=topic,…  network  http=https://origin,…  interface=ns:pkg/iface,…';

const list = (value: string | undefined) => (value === undefined || value === '' ? ['*'] : value.split(',').map((s) => s.trim()).filter(Boolean));

/**
 * Builds grants from `--grant`, `--dir host::guest` and `--env K=V` flags. Repeating a
 * flag adds to it. Topic filters may use MQTT's `+` and `#`.
 */
export function grantsFromFlags(grantFlags: string[], dirs: string[], env: string[]): Grants {
  const grants: Grants = {};
  for (const flag of grantFlags) {
    const at = flag.indexOf('=');
    const key = at < 0 ? flag : flag.slice(0, at);
    const value = at < 0 ? undefined : flag.slice(at + 1);
    switch (key) {
      case 'sensors': case 'actuators':
        grants[key] = [...(grants[key] ?? []), ...list(value)];
        break;
      case 'keyvalue':
        if (!value) throw bad(`--grant keyvalue needs bucket names: keyvalue=state,cache`);
        grants.keyvalue = { buckets: [...(grants.keyvalue?.buckets ?? []), ...list(value)] };
        break;
      case 'publish': case 'subscribe':
        if (!value) throw bad(`--grant ${key} needs topic filters: ${key}=alarms/#`);
        grants.messaging = { ...grants.messaging, [key]: [...(grants.messaging?.[key] ?? []), ...list(value)] };
        break;
      case 'network':
        grants.network = true;
        break;
      case 'http': {
        if (!value) throw bad('--grant http needs origins: http=https://api.example.com,http://127.0.0.1:8080');
        const origins = list(value).map((entry) => {
          const o = originOf(entry);
          if ('problem' in o) throw bad(`--grant http: '${entry}' is no origin: ${o.problem}`);
          return o.origin;
        });
        grants.http = { allow: [...(grants.http?.allow ?? []), ...origins] };
        break;
      }
      case 'interface':
        if (!value) throw bad('--grant interface needs interface names: interface=acme:plc/registers');
        grants.interfaces = [...(grants.interfaces ?? []), ...list(value)];
        break;
      default:
        throw bad(`unknown grant '${key}'; use one of: ${GRANT_FORMS}`);
    }
  }
  for (const item of dirs) {
    const [host, guest = host] = item.split('::');
    if (!host || !guest.startsWith('/')) throw bad(`--dir expects HOST::GUEST with an absolute guest path, got '${item}'`);
    grants.filesystem = { ...grants.filesystem, [guest]: host };
  }
  for (const item of env) {
    const at = item.indexOf('=');
    if (at <= 0) throw bad(`--env expects KEY=VALUE, got '${item}'`);
    grants.env = { ...grants.env, [item.slice(0, at)]: item.slice(at + 1) };
  }
  return grants;
}

function bad(message: string): WasmhostError {
  return new WasmhostError('bad-input', message, { data: { usage: true } });
}
