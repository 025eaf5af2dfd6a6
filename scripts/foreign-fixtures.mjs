#!/usr/bin/env node
// Regenerates verify/testdata/foreign/: credentials as another platform
// issues them, signed by the independent signer vc-verify (Digital Bazaar's
// libraries, ../shared/tools/vc-verify/sign.mjs) with its fixed PUBLIC test
// keys, so that Cairn's verifier is checked against what it did not sign
// itself. Each deviates from OB 3.0 the way real credentials do (see
// docs/INTEROP.md, "Verifying what others issue"); verify/foreign_test.go
// says what each must give.
//
// usage: node scripts/foreign-fixtures.mjs
//   CAIRN_VC_VERIFY  path to vc-verify (default ../shared/tools/vc-verify,
//                    relative to the repository root)
//
// The proofs' created time is fixed, and EdDSA is deterministic, so a rerun
// gives the same bytes.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {fileURLToPath} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOL = path.resolve(ROOT, process.env.CAIRN_VC_VERIFY || '../shared/tools/vc-verify');
const OUT = path.join(ROOT, 'verify', 'testdata', 'foreign');
const CREATED = '2025-03-01T10:00:00Z';
const DIDKEY = 'did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB';
const DIDWEB = 'did:web:issuer.example';
const LIST = 'https://status.example/lists/7';
const INDEX = 1234;

const VC2 = 'https://www.w3.org/ns/credentials/v2';
const VC1 = 'https://www.w3.org/2018/credentials/v1';
const OB3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

// sign runs sign.mjs on doc with args and returns the signed document.
function sign(doc, ...args) {
  const tmp = path.join(OUT, '.unsigned.json');
  fs.writeFileSync(tmp, JSON.stringify(doc));
  try {
    const out = execFileSync('node', [path.join(TOOL, 'sign.mjs'), tmp, '--created', CREATED, ...args],
      {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
    return JSON.parse(out);
  } finally {
    fs.rmSync(tmp, {force: true});
  }
}

function write(name, doc) {
  fs.writeFileSync(path.join(OUT, name), JSON.stringify(doc, null, 2) + '\n');
  console.error(`wrote verify/testdata/foreign/${name}`);
}

// A Bitstring Status List credential with the given indexes set: 131,072
// entries, index 0 = the most significant bit of byte 0, gzip, base64url.
function statusList(issuer, ...set) {
  const bits = Buffer.alloc(131072 / 8);
  for(const i of set) {
    bits[i >> 3] |= 0x80 >> (i & 7);
  }
  const encoded = 'u' + zlib.gzipSync(bits, {level: 9}).toString('base64url');
  return {
    '@context': [VC2],
    id: LIST,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    validFrom: '2025-03-01T00:00:00Z',
    credentialSubject: {id: LIST + '#list', type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encoded},
  };
}

// An endorsement of the achievement, signed by the test key but naming
// another endorser: its key is not the endorser's.
function badEndorsement() {
  return sign({
    '@context': [VC2, OB3],
    id: 'urn:uuid:0b8e5d7e-6f5e-4d0a-9a47-3f0c2b7c0e01',
    type: ['VerifiableCredential', 'EndorsementCredential'],
    name: 'Endorsement by the Example Accreditor',
    issuer: {id: 'https://accreditor.example/issuers/1', type: ['Profile'], name: 'Example Accreditor'},
    validFrom: '2025-02-01T00:00:00Z',
    credentialSubject: {
      id: 'https://other-platform.example/achievements/data-101',
      type: ['EndorsementSubject'],
      endorsementComment: 'A well-designed course.',
    },
  }, '--force');
}

// The badge: VC 2.0, no validFrom, the issuer's image and the achievement's
// as URL strings, an achievementType outside the vocabulary and without
// "ext:", a status list signed by another issuer, a bad endorsement.
function badge() {
  return {
    '@context': [VC2, OB3],
    id: 'https://other-platform.example/credentials/5f0c9a2e',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Data Analysis 101',
    issuer: {id: DIDKEY, type: ['Profile'], name: 'Other Platform Academy', image: 'https://other-platform.example/logo.png'},
    credentialSubject: {
      id: 'did:example:learner-4711',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://other-platform.example/achievements/data-101',
        type: ['Achievement'],
        achievementType: 'Bootcamp',
        name: 'Data Analysis 101',
        description: 'Cleaning, exploring and charting data.',
        criteria: {narrative: 'Completed all five projects.'},
        image: 'https://other-platform.example/badges/data-101.png',
        endorsement: [badEndorsement()],
      },
    },
    credentialStatus: {
      id: `${LIST}#${INDEX}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(INDEX),
      statusListCredential: LIST,
    },
  };
}

fs.mkdirSync(OUT, {recursive: true});

const ob3 = sign(badge());
write('ob3-vc2-eddsa-didkey.json', ob3);

// The same credential with a context no verifier here knows, added after
// signing (what a verifier sees when an issuer uses a context of its own).
const unknown = structuredClone(ob3);
unknown['@context'] = [...unknown['@context'], 'https://other-platform.example/contexts/v1.jsonld'];
write('ob3-vc2-eddsa-didkey.unknown-context.json', unknown);

// The status list, signed by did:web:issuer.example: not the badge's issuer.
write('status-list.didweb.json', sign(statusList(DIDWEB), '--did', 'web'));
write('status-list.didweb.revoked.json', sign(statusList(DIDWEB, INDEX), '--did', 'web'));

// VC 1.1, Ed25519Signature2020, did:web, the image as a URL string.
write('ob3-vc1-ed25519signature2020-didweb.json', sign({
  '@context': [VC1, OB3, 'https://w3id.org/security/suites/ed25519-2020/v1'],
  id: 'https://other-platform.example/credentials/7a1d3b40',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Spreadsheet Basics',
  issuer: {id: DIDWEB, type: 'Profile', name: 'Other Platform Academy', image: 'https://other-platform.example/logo.png'},
  issuanceDate: '2024-09-01T00:00:00Z',
  credentialSubject: {
    id: 'did:example:learner-4711',
    type: 'AchievementSubject',
    achievement: {
      id: 'https://other-platform.example/achievements/sheets-1',
      type: 'Achievement',
      name: 'Spreadsheet Basics',
      description: 'Formulas, references and charts.',
      criteria: {narrative: 'Passed the final quiz.'},
      image: 'https://other-platform.example/badges/sheets-1.png',
    },
  },
}, '--suite', 'Ed25519Signature2020', '--did', 'web'));

// A plain VC 2.0 (no Open Badges type), without validFrom.
write('vc2-plain-eddsa-didkey.json', sign({
  '@context': [VC2, 'https://www.w3.org/ns/credentials/examples/v2'],
  id: 'urn:uuid:2c4a8e1f-31b5-4b8e-8f0e-7e3f1d9a6b22',
  type: ['VerifiableCredential', 'ExampleMembershipCredential'],
  issuer: DIDKEY,
  credentialSubject: {id: 'did:example:learner-4711', name: 'Member of the Data Guild'},
}));
