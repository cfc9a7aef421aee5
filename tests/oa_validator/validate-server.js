#!/usr/bin/env node
/**
 * Long-running, offline wrapper around the official OpenActive validator
 * (@openactive/data-model-validator), used by openbook's Python tests through
 * tests/support/oa_validator.py.
 *
 * Protocol (NDJSON, one JSON object per line):
 *   stdout, once at start:  {"ready": true, "validatorVersion": "...", "dataModelsVersion": "...",
 *                            "modes": [...], "seeded": [...]}
 *   stdin, per request:     {"id": <any>, "mode": "<validationMode>", "data": <object>}
 *   stdout, per request:    {"id": <same>, "results": [{"severity", "type", "message", "path"}, ...]}
 *                       or  {"id": <same or null>, "error": "<why the request could not be validated>"}
 * Requests are handled strictly one after another, in order.
 *
 * Offline operation:
 *   The validator loads remote JSON (the activity list whenever data has `activity`, and any
 *   `@context` URL other than https://openactive.io/ when a property is not in the OpenActive model)
 *   through its file cache: key sha256(url), file <cacheDir>/<key>.json holding
 *   {errorCode, data, statusCode, url, exception, contentType, fetchTime}; an entry is used while
 *   (now - fetchTime) < remoteJsonCacheTimeToLive. On every start this script clears the cache
 *   directory and seeds it with local files, with a fetchTime in the future (so they never expire),
 *   see SEEDS below. Several processes may share the directory (e.g. pytest-xdist workers).
 *   Any other fetch is blocked (no network access is attempted) and reported as an extra result
 *   {"severity": "failure", "type": "offline_remote_fetch", ...} so a test can never pass silently
 *   because a lookup was skipped. Set OA_VALIDATOR_ALLOW_NETWORK=1 to let such fetches go out.
 *
 * Environment:
 *   OA_VALIDATOR_CACHE_DIR      cache directory (default: <this dir>/.cache)
 *   OA_VALIDATOR_ACTIVITY_LIST  activity list file (default: src/openbook/data/activity-list.jsonld)
 *   OA_VALIDATOR_ALLOW_NETWORK  "1" to allow fetching URLs that were not seeded
 *   OA_VALIDATOR_NO_SPEEDUP     "1" to run the validator without the memoisation of installSpeedup()
 * Arguments:
 *   url=file ...                extra cache seeds (e.g. an extension @context)
 *   --list-modes                print the validation modes (one per line) and exit
 */

'use strict';

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const readline = require('readline');

const HERE = __dirname;
const VALIDATOR_DIR = path.dirname(require.resolve('@openactive/data-model-validator/package.json', { paths: [HERE] }));
const DATA_MODELS_DIR = path.dirname(require.resolve('@openactive/data-models/package.json', { paths: [VALIDATOR_DIR] }));

const { validate } = require(VALIDATOR_DIR);
// Internal module of the validator: holds the in-memory copy of its remote-JSON cache.
const JsonLoaderHelper = require(path.join(VALIDATOR_DIR, 'src', 'helpers', 'json-loader.js'));
const { getMetaData } = require(DATA_MODELS_DIR);
// Internal module of the validator: property-name resolution (see installSpeedup).
const PropertyHelper = require(path.join(VALIDATOR_DIR, 'src', 'helpers', 'property.js'));

const CACHE_DIR = process.env.OA_VALIDATOR_CACHE_DIR || path.join(HERE, '.cache');
const ACTIVITY_LIST_FILE = process.env.OA_VALIDATOR_ACTIVITY_LIST
  || path.join(HERE, '..', '..', 'src', 'openbook', 'data', 'activity-list.jsonld');
const BETA_FILE = path.join(HERE, 'ns-beta-subset.jsonld');
const ALLOW_NETWORK = process.env.OA_VALIDATOR_ALLOW_NETWORK === '1';
const SPEEDUP = process.env.OA_VALIDATOR_NO_SPEEDUP !== '1';
const TEN_YEARS_S = 10 * 365 * 24 * 3600;

const META = getMetaData('latest');
const MODES = [];
for (const group of META.validationModeGroups || []) {
  for (const entry of group.validationModeList || []) MODES.push(entry.validationMode);
}

/**
 * Documents the validator may fetch, served from local copies.
 * - https://openactive.io/activity-list: the activity list (only the rule ActivityInActivityListRule reads it).
 * - https://openactive.io/ns-beta: the beta namespace (ns-beta-subset.jsonld: the beta terms openbook uses).
 * - https://schema.org/: the schema.org @context. The validator only fetches it to resolve the prefix of a
 *   property that is not in the OpenActive model when the document's @context lists "https://schema.org/".
 *   schema.org serves that context (via a Link header) at /docs/jsonldcontext.jsonld; it maps every
 *   schema.org term to "schema:<term>", declares the usual prefixes, and uses "http://schema.org/" for
 *   "@vocab" and "schema". That shape is rebuilt here from the schema.org vocabulary that
 *   @openactive/data-models ships (its @graph lists every schema.org class and property).
 */
function schemaOrgContext() {
  const { getSchemaOrgVocab } = require(DATA_MODELS_DIR);
  const vocab = getSchemaOrgVocab();
  const context = {
    type: '@type', id: '@id', HTML: { '@id': 'rdf:HTML' }, '@vocab': 'http://schema.org/',
  };
  for (const [prefix, iri] of Object.entries(vocab['@context'] || {})) {
    if (typeof iri === 'string') context[prefix] = iri;
  }
  context.schema = 'http://schema.org/';
  for (const node of vocab['@graph'] || []) {
    const id = node['@id'];
    if (typeof id === 'string' && id.startsWith('schema:')) {
      const term = id.slice('schema:'.length);
      if (!(term in context)) context[term] = { '@id': id };
    }
  }
  return { '@context': context };
}

const SEEDS = [
  { url: 'https://openactive.io/activity-list', load: () => JSON.parse(fs.readFileSync(ACTIVITY_LIST_FILE, 'utf8')), source: ACTIVITY_LIST_FILE },
  { url: 'https://schema.org/', load: schemaOrgContext, source: '@openactive/data-models schemaOrgVocab' },
  // The beta namespace, cut down to the beta terms openbook emits (beta:codeType on a Barcode).
  { url: 'https://openactive.io/ns-beta', load: () => JSON.parse(fs.readFileSync(BETA_FILE, 'utf8')), source: BETA_FILE },
];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--')) continue;
  const i = arg.indexOf('=');
  if (i <= 0) throw new Error(`bad seed argument ${arg}: expected url=file`);
  const url = arg.slice(0, i);
  const file = path.resolve(arg.slice(i + 1));
  SEEDS.push({ url, load: () => JSON.parse(fs.readFileSync(file, 'utf8')), source: file });
}

function cacheFile(url) {
  return path.join(CACHE_DIR, `${crypto.createHash('sha256').update(url).digest('hex')}.json`);
}

function seedCache() {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const seedFiles = new Set(SEEDS.map((seed) => path.basename(cacheFile(seed.url))));
  // Forget whatever else was cached (e.g. failed fetches). Seed files are replaced atomically below rather
  // than deleted, so that another validator process using the same directory never finds them missing.
  for (const name of fs.readdirSync(CACHE_DIR)) {
    if (!seedFiles.has(name) && name.endsWith('.json')) fs.rmSync(path.join(CACHE_DIR, name), { force: true });
  }
  const seeded = new Set();
  for (const seed of SEEDS) {
    const entry = {
      errorCode: 'error_none',
      data: seed.load(),
      statusCode: 200,
      url: seed.url,
      exception: null,
      contentType: 'application/ld+json',
      // In the future, so that (now - fetchTime) stays below the time-to-live for the whole run.
      fetchTime: Date.now() + TEN_YEARS_S * 1000,
    };
    const target = cacheFile(seed.url);
    const temporary = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(entry));
    fs.renameSync(temporary, target);
    seeded.add(seed.url);
  }
  JsonLoaderHelper.clearCache();
  return seeded;
}

// ---- network guard: the validator's copy of axios gets an adapter that never touches the network
let blockedThisRequest = [];
function installNetworkGuard() {
  const axios = require(require.resolve('axios', { paths: [VALIDATOR_DIR] }));
  axios.defaults.adapter = (config) => {
    blockedThisRequest.push(config.url);
    const error = new Error(`offline: blocked fetch of ${config.url}`);
    error.config = config;
    return Promise.reject(error);
  };
}

/**
 * Speed (about 2x, no change in results): PropertyHelper.getFullyQualifiedProperty(property, version, contexts)
 * is a pure function that the validator memoises under sha256(JSON.stringify(contexts)), computed on every
 * call; that hashing is most of its run time. Nearly every call passes no contexts, so those calls are
 * memoised here by (version, property) and return the very object the validator's own cache would.
 * Calls with contexts go to the original.
 */
function installSpeedup() {
  const original = PropertyHelper.getFullyQualifiedProperty;
  if (typeof original !== 'function') return false;
  const memo = new Map(); // version -> property -> result
  PropertyHelper.getFullyQualifiedProperty = function getFullyQualifiedPropertyMemoised(property, version, contexts) {
    if (typeof property !== 'string' || !(contexts === undefined || (Array.isArray(contexts) && contexts.length === 0))) {
      return original.call(this, property, version, contexts);
    }
    let byProperty = memo.get(version);
    if (byProperty === undefined) {
      byProperty = new Map();
      memo.set(version, byProperty);
    }
    let value = byProperty.get(property);
    if (value === undefined) {
      value = original.call(this, property, version, contexts);
      byProperty.set(property, value);
    }
    return value;
  };
  return true;
}

const VALIDATE_OPTIONS = {
  loadRemoteJson: true,
  remoteJsonCachePath: CACHE_DIR,
  remoteJsonCacheTimeToLive: TEN_YEARS_S,
};

function toResult(error) {
  return {
    severity: String(error.severity),
    type: String(error.type),
    message: String(error.message),
    path: error.path === undefined || error.path === null ? '' : String(error.path),
  };
}

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `request is not JSON: ${e.message}` };
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return { id: null, error: 'request must be a JSON object {"id", "mode", "data"}' };
  }
  const id = request.id === undefined ? null : request.id;
  if (!MODES.includes(request.mode)) {
    return { id, error: `unknown validationMode ${JSON.stringify(request.mode)}; known: ${MODES.join(', ')}` };
  }
  if (typeof request.data !== 'object' || request.data === null || Array.isArray(request.data)) {
    return { id, error: '"data" must be a JSON object' };
  }
  blockedThisRequest = [];
  try {
    const errors = await validate(request.data, { ...VALIDATE_OPTIONS, validationMode: request.mode });
    const results = errors.map(toResult);
    if (blockedThisRequest.length > 0) {
      for (const url of blockedThisRequest) {
        results.push({
          severity: 'failure',
          type: 'offline_remote_fetch',
          message: `The validator tried to fetch ${url}, which is not available offline. `
            + 'Seed it (validate-server.js url=file) or change the document.',
          path: '$',
        });
        // Forget the failed fetch so that the next document that needs it is flagged too.
        fs.rmSync(cacheFile(url), { force: true });
      }
      JsonLoaderHelper.clearCache();
    }
    return { id, results };
  } catch (e) {
    return { id, error: `validator raised: ${e && e.stack ? e.stack : String(e)}` };
  } finally {
    blockedThisRequest = [];
  }
}

function main() {
  if (process.argv.includes('--list-modes')) {
    process.stdout.on('error', () => process.exit(0));
    for (const group of META.validationModeGroups || []) {
      for (const entry of group.validationModeList || []) {
        process.stdout.write(`${entry.validationMode}\t${group.name}\t${entry.name}\n`);
      }
    }
    return;
  }
  const seeded = seedCache();
  if (!ALLOW_NETWORK) installNetworkGuard();
  const speedup = SPEEDUP && installSpeedup();

  const write = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  write({
    ready: true,
    validatorVersion: require(path.join(VALIDATOR_DIR, 'package.json')).version,
    dataModelsVersion: require(path.join(DATA_MODELS_DIR, 'package.json')).version,
    modes: MODES,
    seeded: [...seeded],
    cacheDir: CACHE_DIR,
    network: ALLOW_NETWORK ? 'allowed' : 'blocked',
    speedup,
  });

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    queue = queue.then(() => handle(line)).then(write, (e) => write({ id: null, error: String(e) }));
  });
  rl.on('close', () => {
    queue.then(() => process.exit(0));
  });
}

main();
