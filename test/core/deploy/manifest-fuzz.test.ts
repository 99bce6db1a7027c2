// Bounded fuzzing of manifest input (issue 11): random mutations of valid YAML and JSON
// manifests, as text and as parsed documents, through resolveDesired (folder and fleet-manager
// origins) and through the fleet-manager client's State Manifest check. Nothing may throw but
// a WasmhostError, and nothing may hang (each run is bounded by a count and a time budget).
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveDesired } from '../../../src/deploy/desired-documents.js';
import { createWfmClient } from '../../../src/deploy/wfm-client.js';
import { sha256Digest } from '../../../src/component/digest.js';
import { WasmhostError } from '../../../src/errors.js';
import type { HttpClient, HttpResponse } from '../../../src/ports/http-client.js';
import { mutateDocument, mutateText, seeded, type Random } from '../../support/fuzz-random.js';

const FIXTURES = ['threshold-alarm/margo.yaml', 'threshold-alarm/deployment.yaml', 'threshold-alarm/deployment-short.yaml', 'threshold-alarm/desired.json', 'minimal.json', 'custom-profile.yaml'];
const corpus = FIXTURES.map((f) => ({ name: f, text: readFileSync(`test/fixtures/manifests/${f}`, 'utf8') }));
const BUDGET_MS = 4000;

/** Runs `step` for up to `count` iterations or BUDGET_MS; returns what it saw. */
async function fuzz(count: number, step: (r: Random, i: number) => unknown | Promise<unknown>) {
  const seen = { ok: 0, refused: 0, runs: 0 };
  const end = Date.now() + BUDGET_MS;
  for (let i = 0; i < count && Date.now() < end; i++) {
    const r = seeded(0x5eed + i);
    try {
      await step(r, i);
      seen.ok++;
    } catch (error) {
      if (!(error instanceof WasmhostError)) throw new Error(`iteration ${i} (seed ${0x5eed + i}) threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
      seen.refused++;
    }
    seen.runs++;
  }
  return seen;
}

describe('manifest fuzzing', () => {
  it('mutated manifest text: resolveDesired accepts or throws a WasmhostError', async () => {
    const seen = await fuzz(3000, (r) => {
      const doc = r.pick(corpus);
      const text = mutateText(doc.text, r);
      const source = doc.name.endsWith('.json') ? 'm.json' : 'm.yaml';
      if (r.int(2) === 0) return resolveDesired([{ source, text }], '/srv/desired');
      return resolveDesired([{ source, text, deploymentId: 'threshold-alarm-dev-1' }], 'https://wfm.example', { remote: true });
    });
    expect(seen.runs).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('mutated documents (one node replaced): the same, with deep nesting and huge inputs', async () => {
    const docs = corpus.map((c) => (c.name.endsWith('.json') ? JSON.parse(c.text) : parse(c.text)) as unknown);
    const seen = await fuzz(3000, (r) => {
      let doc = mutateDocument(r.pick(docs), r);
      if (r.int(4) === 0) doc = mutateDocument(doc, r);
      const text = r.int(2) === 0 ? JSON.stringify(doc) : stringify(doc);
      return resolveDesired([{ source: r.int(2) === 0 ? 'm.json' : 'm.yaml', text }], '/srv/desired');
    });
    expect(seen.runs).toBeGreaterThan(100);
    expect(seen.ok).toBeGreaterThan(0);
    // Nesting far past any manifest: refused, not a stack overflow.
    for (const text of ['['.repeat(100_000), `${'- '.repeat(20_000)}x`, `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`]) {
      expect(() => resolveDesired([{ source: 'deep.yaml', text }], '/srv/desired')).toThrow(WasmhostError);
    }
  });

  it('mutated State Manifests: the fleet-manager client polls, accepts or refuses with a WasmhostError', async () => {
    const yaml = new TextEncoder().encode('kind: ApplicationDeployment\n');
    const digest = await sha256Digest(yaml);
    const valid = { manifestVersion: 3, bundle: null, deployments: [{ deploymentId: 'a', digest, sizeBytes: yaml.length, url: `/api/v1/deployments/a/${digest}` }] };
    let body = '';
    const http: HttpClient = {
      async request(_method, url): Promise<HttpResponse> {
        if (url.endsWith('/api/v1/deployments')) return { status: 200, headers: { etag: '"e"' }, body: new TextEncoder().encode(body) };
        return { status: 200, headers: {}, body: yaml };
      },
    };
    const client = createWfmClient({ baseUrl: 'https://wfm.example', http });
    const seen = await fuzz(3000, (r) => {
      body = r.int(2) === 0 ? mutateText(JSON.stringify(valid), r) : JSON.stringify(mutateDocument(valid, r));
      return client.pollDeployments(r.int(2) === 0 ? {} : { lastManifestVersion: 2n, lastEtag: '"d"' });
    });
    expect(seen.runs).toBeGreaterThan(100);
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});
