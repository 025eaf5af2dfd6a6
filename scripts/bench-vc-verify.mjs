#!/usr/bin/env node
// Times the independent verifier vc-verify (../shared/tools/vc-verify) on
// Cairn's typical credential (proof/testdata/typical-*), in process and warmed
// up, so that docs/PERFORMANCE.md can put its figures beside Cairn's Go
// benchmarks. It calls only what the tool itself uses: its lib/*.mjs
// (document loader, proof suites, verifyEmbedded, verifyJwt) and the npm
// packages in its node_modules (@digitalbazaar/vc, jsonld, jose,
// @digitalbazaar/ed25519-multikey).
//
// usage: node scripts/bench-vc-verify.mjs [N]
//   N                  operations per round (default 200; 5 rounds, the
//                      median round is reported, like go test -count 5)
//   CAIRN_VC_VERIFY    path to vc-verify (default ../shared/tools/vc-verify,
//                      relative to the repository root); `npm ci` is run
//                      there when node_modules is missing
//   BENCH_PROCESS=0    skip the whole-process timing of `node verify.mjs`
//
// Run it on one core, as the Go benchmarks are: taskset -c 1 node ...
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOL = path.resolve(ROOT,
  process.env.CAIRN_VC_VERIFY || '../shared/tools/vc-verify');
const TESTDATA = path.join(ROOT, 'proof', 'testdata');
const N = Number(process.argv[2] || 200);
const ROUNDS = 5;
const WARMUP = Math.max(20, Math.floor(N / 4));
// Within the validity period of the typical credential (as in the Go
// benchmarks), so that the figures do not depend on the date of the run.
const NOW = new Date('2026-07-01T00:00:00Z');

if(!Number.isInteger(N) || N < 1) {
  console.error('usage: node scripts/bench-vc-verify.mjs [N]');
  process.exit(2);
}
if(!fs.existsSync(path.join(TOOL, 'verify.mjs'))) {
  console.error(`vc-verify not found at ${TOOL} (set CAIRN_VC_VERIFY)`);
  process.exit(2);
}
if(!fs.existsSync(path.join(TOOL, 'node_modules'))) {
  console.error(`${TOOL}: node_modules missing, running npm ci`);
  const r = spawnSync('npm', ['ci'], {cwd: TOOL, stdio: 'inherit'});
  if(r.status !== 0) {
    process.exit(1);
  }
}

// The tool's own modules, and npm packages resolved from its node_modules.
const toolRequire = createRequire(path.join(TOOL, 'package.json'));
const pkg = name => import(pathToFileURL(toolRequire.resolve(name)).href);
const lib = name => import(pathToFileURL(path.join(TOOL, 'lib', name)).href);
const {createLoader} = await lib('loader.mjs');
const {DataIntegrityProof, eddsaRdfc2022CryptoSuite} = await lib('suites.mjs');
const {verifyEmbedded, verifyJwt} = await lib('verify-core.mjs');
const vc = await pkg('@digitalbazaar/vc');
const jsonld = (await pkg('jsonld')).default;
const jose = await pkg('jose');
const Ed25519Multikey = await pkg('@digitalbazaar/ed25519-multikey');

const readJSON = f => JSON.parse(fs.readFileSync(f, 'utf8'));
const unsigned = readJSON(path.join(TESTDATA, 'typical-unsigned.json'));
const signed = readJSON(path.join(TESTDATA, 'typical-signed.json'));
const tokens = Object.fromEntries(['EdDSA', 'ES256', 'RS256'].map(alg => [alg,
  fs.readFileSync(path.join(TESTDATA, `typical.${alg}.jwt`), 'utf8').trim()]));
const toolKey = name => readJSON(path.join(TOOL, 'keys', `${name}.json`));
// did:key is computed; did:web:issuer.example (RS256) comes from the tool's map.
const documentLoader = createLoader({
  maps: [path.join(TOOL, 'keys', 'didweb-map.json')]});

// time runs fn WARMUP times, then ROUNDS rounds of N calls, and returns the
// median round's mean in milliseconds per call, of wall-clock time and of
// the process's CPU time (user+sys, every thread: on a shared machine the
// wall clock also counts the time other processes held the core).
async function time(fn) {
  for(let i = 0; i < WARMUP; i++) {
    await fn();
  }
  const wall = [];
  const cpu = [];
  for(let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for(let i = 0; i < N; i++) {
      await fn();
    }
    const c = process.cpuUsage(c0);
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6 / N);
    cpu.push((c.user + c.system) / 1e3 / N);
  }
  const median = a => a.sort((x, y) => x - y)[a.length >> 1];
  const [min, max] = [Math.min(...wall), Math.max(...wall)];
  return {median: median(wall), min, max, cpu: median(cpu)};
}

function must(ok, what) {
  if(!ok) {
    throw new Error(`${what}: unexpected result`);
  }
}

const ops = [];
function op(name, fn) {
  ops.push({name, fn});
}

// Data Integrity, eddsa-rdfc-2022: sign as the tool's sign.mjs does
// (vc.issue with the tool's suite and loader), with the created time of
// typical-signed.json, so the signature must be the same as Cairn's.
const ed = toolKey('ed25519');
const edPair = await Ed25519Multikey.from({...ed.multikey,
  id: ed.verificationMethod, controller: ed.did});
const created = new Date(signed.proof[0].created);
const issueDI = () => vc.issue({credential: structuredClone(unsigned),
  suite: new DataIntegrityProof({signer: edPair.signer(), date: created,
    cryptosuite: eddsaRdfc2022CryptoSuite}), documentLoader});
{
  const mine = await issueDI();
  must(mine.proof.proofValue === signed.proof[0].proofValue,
    'vc-verify and Cairn sign typical-unsigned.json identically');
}
op('DI sign (vc.issue, eddsa-rdfc-2022)', issueDI);
op('DI verify (verifyEmbedded)', async () => must((await verifyEmbedded(
  structuredClone(signed), {documentLoader, now: NOW})).verified, 'DI verify'));
op('canonicalize typical (jsonld.canonize RDFC-1.0, safe)', async () => {
  const {proof, ...doc} = signed;
  await jsonld.canonize(doc, {algorithm: 'RDFC-1.0',
    format: 'application/n-quads', documentLoader, safe: true});
});

// VC-JWT: sign the payload of Cairn's token with the same header (jose
// CompactSign, as sign.mjs), and verify Cairn's token (verifyJwt).
const jwtKeys = {EdDSA: 'ed25519', ES256: 'p256', RS256: 'rsa'};
for(const [alg, keyName] of Object.entries(jwtKeys)) {
  const header = jose.decodeProtectedHeader(tokens[alg]);
  const payload = jose.decodeJwt(tokens[alg]);
  const priv = await jose.importJWK(toolKey(keyName).privateKeyJwk, alg);
  op(`JWT sign ${alg} (jose.CompactSign)`, () => new jose.CompactSign(
    new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header).sign(priv));
  op(`JWT verify ${alg} (verifyJwt)`, async () => must((await verifyJwt(
    tokens[alg], {documentLoader, now: NOW})).verified, `JWT ${alg}`));
}

console.log(`vc-verify ${TOOL}`);
console.log(`node ${process.version}, ${os.cpus()[0]?.model} ` +
  `(${os.availableParallelism()} usable CPUs), ${new Date().toISOString()}`);
console.log(`in process, warmed up (${WARMUP} calls), median of ${ROUNDS} ` +
  `rounds of ${N} calls: wall ms/op (min-max of the rounds), CPU ms/op`);
for(const {name, fn} of ops) {
  const t = await time(fn);
  console.log(`${name.padEnd(56)} ${t.median.toFixed(3).padStart(8)} ms/op` +
    `  (${t.min.toFixed(3)}-${t.max.toFixed(3)})` +
    `  cpu ${t.cpu.toFixed(3)} ms/op`);
}

// Whole process: node verify.mjs FILE, as a user runs it (start-up, module
// loading, one verification). Exit status 0 is required.
if(process.env.BENCH_PROCESS !== '0') {
  const runs = 10;
  for(const f of ['typical-signed.json', 'typical.EdDSA.jwt']) {
    const args = [path.join(TOOL, 'verify.mjs'), '--now', NOW.toISOString(),
      path.join(TESTDATA, f)];
    const times = [];
    for(let i = 0; i < runs + 1; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, {encoding: 'utf8'});
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      must(r.status === 0, `node verify.mjs ${f}: ${r.stdout}${r.stderr}`);
      if(i > 0) {
        times.push(ms); // the first run warms the file cache
      }
    }
    times.sort((a, b) => a - b);
    console.log(`${`process: node verify.mjs ${f}`.padEnd(56)} ` +
      `${times[runs >> 1].toFixed(0).padStart(8)} ms     ` +
      `(median of ${runs}, ${times[0].toFixed(0)}-${times.at(-1).toFixed(0)})`);
  }
}
