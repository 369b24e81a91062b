import type { parsePhoneNumberWithError as coreParse } from 'libphonenumber-js/core';
// @ts-expect-error The package's ES2015+ build ships no type declarations: it is core's function.
import modernParse from '../../node_modules/libphonenumber-js/es6-modern/parsePhoneNumberWithError.js';

/**
 * libphonenumber's parser as a function bundle gets it: `libphonenumber-js/core` is aliased to this
 * module when bundling (infra/bundling.ts BUNDLE_ALIASES). The package ships the same sources built
 * twice, for ES5 (what its exports map names) and for ES2015+ (`es6-modern/`, unnamed there); Node 22
 * runs the latter as it is, and without Babel's class and spread helpers it is 14 KB smaller
 * minified. Sources (tests, tsx) use the ES5 build through the exports map; both validate the same.
 */
export const parsePhoneNumberWithError: typeof coreParse = modernParse;
