// A device vendor embeds wasmhost and offers its own WIT interface (acme:plc/registers)
// to workloads. Run: node examples/vendor-provider/main.mjs
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { createNodeHost, interfaceError } from 'wasmhost/node';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// The workload: built here from WAT with jco's own toolchain (parse → embed → new).
const core = await parse(await readFile(here('./scaler.wat'), 'utf8'));
const embedded = await componentEmbed({ binary: core, witSource: await readFile(here('./plc.wit'), 'utf8'), world: 'scaler' });
const bytes = await componentNew(embedded);

// The vendor's provider: the implementation of acme:plc/registers, over its own driver.
const registers = new Map([[40001, 1234], [40002, 65535]]);
const plcProvider = {
  name: 'acme-plc',
  offers: [{ name: 'acme:plc/registers', version: '1.0.0', grant: 'interfaces' }],
  create: ({ workload }) => ({
    'acme:plc/registers': {
      read(address) {
        if (!registers.has(address)) throw interfaceError(`register ${address} does not exist (asked by ${workload})`);
        return registers.get(address);
      },
    },
  }),
};

const host = createNodeHost({ providers: [plcProvider] });
const component = await host.load(bytes);
const scaler = await host.instantiate(component, { name: 'scaler', grants: { interfaces: ['acme:plc/registers'] } });
for (const address of [40001, 40002, 40003]) {
  console.log(`register ${address} × 0.1 = ${scaler.call('read-scaled', address, 0.1)}`);
}
