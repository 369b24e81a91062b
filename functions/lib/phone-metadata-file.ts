import { readFileSync } from 'node:fs';
import type { MetadataJson } from 'libphonenumber-js/core';

/**
 * libphonenumber's metadata as a function bundle gets it: `libphonenumber-js/metadata.max` is aliased
 * to this module when bundling (infra/bundling.ts), and the JSON file ships beside the bundle (the
 * wiring's `dataFiles`, PHONE_METADATA_DATA). Parsing 153 KB of JSON at a cold start costs ~2 ms;
 * as code in the bundle it was half the api's 589 KB.
 */
const FILE = 'phone-metadata.json';

function load(): MetadataJson {
  const url = new URL(FILE, import.meta.url);
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as MetadataJson;
  } catch (error) {
    // Loud at the cold start: a function that validates phones cannot run without it.
    throw new Error(`${FILE} is missing beside the bundle (${url.pathname}): see infra/wiring.ts dataFiles`, {
      cause: error,
    });
  }
}

// Pure: a bundle that imports this module without validating a phone (a use case module it shares
// with the create path) drops the read, and so does not need the file.
export default /* @__PURE__ */ load();
