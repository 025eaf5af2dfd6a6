// vp-verify.mjs: verifies a Verifiable Presentation with the independent
// verifier's libraries (Digital Bazaar's @digitalbazaar/vc and
// jsonld-signatures, from the vc-verify folder named by VC_VERIFY_DIR):
// the holder's proof (proofPurpose authentication, with the challenge and
// domain the published presentation names) and every credential it holds
// (issuer proofs; did:web resolved against --didweb-base). vc-verify's own
// verify.mjs does not read presentations, so its loader and suites are
// reused here. Prints one JSON line; exits 1 unless verified.
//
//   VC_VERIFY_DIR=/path/to/vc-verify node vp-verify.mjs --didweb-base URL FILE
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const dir = process.env.VC_VERIFY_DIR;
const imp = p => import(pathToFileURL(path.join(dir, p)).href);
const vc = await imp('node_modules/@digitalbazaar/vc/lib/index.js');
const jsigs = (await imp('node_modules/jsonld-signatures/lib/jsonld-signatures.js')).default;
const {createLoader} = await imp('lib/loader.mjs');
const {verificationSuites} = await imp('lib/suites.mjs');

const args = process.argv.slice(2);
let didWebBase;
const files = [];
for(let i = 0; i < args.length; i++) {
  if(args[i] === '--didweb-base') {
    didWebBase = args[++i];
  } else {
    files.push(args[i]);
  }
}
const presentation = JSON.parse(fs.readFileSync(files[0], 'utf8'));
const documentLoader = createLoader({didWebBase});
const proof = [].concat(presentation.proof)[0] || {};
const warnings = [];
const result = await vc.verify({
  presentation,
  suite: verificationSuites(),
  documentLoader,
  presentationPurpose: new jsigs.purposes.AuthenticationProofPurpose({
    challenge: proof.challenge, domain: proof.domain}),
  checkStatus: async () => {
    warnings.push('credentialStatus present but not checked (offline)');
    return {verified: true};
  }
});
const errors = [];
const collect = e => {
  if(!e) return;
  if(Array.isArray(e)) return e.forEach(collect);
  if(Array.isArray(e.errors)) return e.errors.forEach(collect);
  errors.push(e.message || String(e));
};
collect(result.error);
for(const r of [].concat(result.presentationResult?.results || [])) collect(r.error);
for(const c of result.credentialResults || []) {
  collect(c.error);
  for(const r of c.results || []) collect(r.error);
}
const out = {file: files[0], verified: result.verified === true,
  presentationVerified: result.presentationResult?.verified === true,
  credentials: (result.credentialResults || []).map(c => ({id: c.credentialId, verified: c.verified})),
  errors: [...new Set(errors)], warnings: [...new Set(warnings)]};
console.log(JSON.stringify(out));
process.exit(out.verified ? 0 : 1);
